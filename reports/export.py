"""Making a meeting pack file: the one entry point of the UI page and of
``python -m reports pack``, which both call ``make_pack`` then
``record_pack_export``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from data_access.audit import record_audit_event
from data_access.filters import Filters
from reports import csv_zip, deck, html_report
from reports.pack import (
    FORMAT_NAMES,
    PACK_FORMATS,
    WRITING_SHARE,
    MeetingPack,
    PackError,
    Progress,
    build_pack,
)

WRITERS = {"pptx": deck.pptx_bytes, "html": html_report.html_bytes, "zip": csv_zip.zip_bytes}


def make_pack(
    engine: Engine,
    *,
    filters: Filters,
    fmt: str,
    min_cell: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[MeetingPack, bytes]:
    """Return the pack and its file's bytes in ``fmt`` ('pptx', 'html' or
    'zip'). Raises ``PackError`` for an unknown format."""
    if fmt not in PACK_FORMATS:
        raise PackError(f"unknown format '{fmt}' (use one of: {', '.join(PACK_FORMATS)})")
    pack = build_pack(engine, filters=filters, min_cell=min_cell, today=today, progress=progress)
    if progress is not None:
        progress(WRITING_SHARE, f"Writing the {FORMAT_NAMES[fmt]}")
    return pack, WRITERS[fmt](pack)


def pack_file_name(fmt: str, *, made_on: dt.date) -> str:
    """Return the pack's file name, e.g. "soft-landing-meeting-pack-2026-12-02.pptx"."""
    return f"soft-landing-meeting-pack-{made_on:%Y-%m-%d}.{fmt}"


def record_pack_export(engine: Engine, *, pack: MeetingPack, fmt: str, user: str | None) -> None:
    """Record in the audit log that ``user`` exported the pack in ``fmt``,
    with its filters (no participant data)."""
    record_audit_event(
        engine,
        action="export",
        user=user,
        detail=f"Meeting pack ({fmt}); suppression threshold {pack.min_cell}; filters: {pack.filter_text}",
    )
