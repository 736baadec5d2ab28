"""Column mappings remembered per export source, and the templates that show
each kind's contract headers.

A mapping is stored as {file header: contract field}, the shape
``importers.prepare`` takes as ``column_map``. The Data page works the other
way round, one choice per field, so ``suggested_columns`` returns
{field: file header or None}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, insert, select, update

from data_access import normalise
from data_access.importers import FIELDS, KINDS
from data_access.models import ColumnMapping

MAX_SOURCE_CHARS = 120


def contract_fields(kind: str) -> tuple[str, ...]:
    """Return the contract fields of ``kind``, required ones first."""
    _check_kind(kind)
    required, optional = FIELDS[kind]
    return required + optional


def template_csv(kind: str) -> bytes:
    """Return a CSV file (UTF-8) holding only the contract header row of ``kind``."""
    return (",".join(contract_fields(kind)) + "\r\n").encode("utf-8")


def remembered_mapping(engine: Engine, *, source_name: str, kind: str) -> dict[str, str]:
    """Return the mapping {file header: field} remembered for ``source_name``
    and ``kind``, or an empty dict."""
    _check_kind(kind)
    with engine.connect() as conn:
        mapping = conn.scalar(select(ColumnMapping.mapping).where(
            ColumnMapping.source_name == _source(source_name), ColumnMapping.kind == kind))
    return dict(mapping or {})


def remember_mapping(engine: Engine, *, source_name: str, kind: str, mapping: Mapping[str, str]) -> None:
    """Store ``mapping`` {file header: field} for ``source_name`` and ``kind``,
    replacing any earlier one. Raises ``ValueError`` for an empty or too long
    source name, an unknown kind or a field that is not one of kind's."""
    source = _source(source_name)
    fields = contract_fields(kind)
    unknown = sorted(set(mapping.values()) - set(fields))
    if unknown:
        raise ValueError(f"not {kind} fields: {', '.join(unknown)}")
    values = {"mapping": dict(mapping), "updated_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
    with engine.begin() as conn:
        changed = conn.execute(update(ColumnMapping).where(
            ColumnMapping.source_name == source, ColumnMapping.kind == kind).values(**values)).rowcount
        if not changed:
            conn.execute(insert(ColumnMapping).values(source_name=source, kind=kind, **values))


def source_names(engine: Engine, *, kind: str) -> list[str]:
    """Return the source names with a remembered mapping for ``kind``, A to Z."""
    _check_kind(kind)
    with engine.connect() as conn:
        return list(conn.scalars(select(ColumnMapping.source_name).where(ColumnMapping.kind == kind)
                                 .order_by(ColumnMapping.source_name)))


def suggested_columns(headers: Sequence[str], *, kind: str,
                      remembered: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Return, for each contract field of ``kind``, the file header to read it
    from: the remembered mapping's choice when that header is in the file,
    else the header that matches the field's name the way the importer does
    (case-insensitive, spaces as underscores), else None."""
    fields = contract_fields(kind)
    present = {normalise.header_key(header): header for header in headers}
    chosen: dict[str, str | None] = dict.fromkeys(fields)
    for header, target in (remembered or {}).items():
        actual = present.get(normalise.header_key(header))
        if target in chosen and actual is not None and chosen[target] is None:
            chosen[target] = actual
    taken = {header for header in chosen.values() if header is not None}
    for name in fields:
        actual = present.get(name)
        if chosen[name] is None and actual is not None and actual not in taken:
            chosen[name] = actual
            taken.add(actual)
    return chosen


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}' (use one of: {', '.join(KINDS)})")


def _source(source_name: str) -> str:
    source = normalise.collapse_spaces(source_name)
    if not source:
        raise ValueError("the source name is empty")
    if len(source) > MAX_SOURCE_CHARS:
        raise ValueError(f"the source name is longer than {MAX_SOURCE_CHARS} characters")
    return source
