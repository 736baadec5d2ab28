"""The meeting pack's contents: every chart view and the headline figures for
one set of filters, collected once (``build_pack``), with the definitions
and caveats every format states. ``reports.export`` writes them as a
PowerPoint deck, an HTML report or a ZIP of CSV files.

Exports always apply suppression, whoever asks (admins included): the
threshold is a number, never the internal view's None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from data_access.filters import Filters
from data_access.kpis import compute_kpis
from data_access.queries import meta
from domain.metrics import COUNTING_RULES, METRICS
from domain.suppression import suppression_note
from views.attainment import ATTAINMENT_VIEWS, BENCHMARK_NOTE, ENGAGEMENT_CAVEAT, MWRES_LABEL_CAVEAT
from views.base import ChartView, PreparedView, prepare_view, run_query
from views.coverage import COVERAGE_VIEWS
from views.feedback import FEEDBACK_VIEWS
from views.filter_text import data_as_of_text, date_range_text, filter_summary_text, period_label
from views.overview import OVERVIEW_VIEWS, key_messages, regions_reached, shown_kpis
from views.reach import ATTENDANCES_BY_REGION, EVENT_REACH_VIEWS
from views.spc import spc_views

ORGANISATION = "Soft Landing"
PACK_TITLE = "Meeting pack"
PACK_FORMATS: tuple[str, ...] = ("pptx", "html", "zip")
MEDIA_TYPES: dict[str, str] = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html",
    "zip": "application/zip",
}
FORMAT_NAMES: dict[str, str] = {
    "pptx": "PowerPoint deck (.pptx)",
    "html": "HTML report (.html)",
    "zip": "CSV files (.zip)",
}
# The KPI slide's figures, in the Overview's reading order.
PACK_KPIS: tuple[str, ...] = (
    "events",
    "attendances",
    "unique_participants",
    "returning_participants",
    "attendance_rate",
    "feedback_responses",
    "pct_excellent",
    "mean_rating",
    "rep_coverage_pct",
)

Progress = Callable[[float, str], None]
# How far along the progress bar is once the views are prepared, and when writing starts.
PREPARED_SHARE = 0.9
WRITING_SHARE = 0.95


class PackError(ValueError):
    """A pack that cannot be made as asked (bad format or threshold)."""


@dataclass(frozen=True, kw_only=True)
class MeetingPack:
    """Everything a pack shows, already suppressed.

    ``views`` are every chart view in page order (Overview, Event reach,
    Feedback, Regional coverage, Differential attainment, then the SPC
    charts); ``figures``/``hidden`` are the KPIs after ``shown_kpis``.
    """

    filters: Filters
    min_cell: int
    made_on: dt.date
    filter_text: str
    period_text: str
    data_as_of_text: str
    demo_data: bool
    figures: dict[str, int | float | None]
    hidden: frozenset[str]
    kpi_message: str
    views: tuple[PreparedView, ...]

    @property
    def charted(self) -> tuple[PreparedView, ...]:
        """Return the views with something to draw (one slide each)."""
        return tuple(prepared for prepared in self.views if prepared.figure is not None)

    @property
    def not_charted(self) -> tuple[PreparedView, ...]:
        """Return the views with nothing to draw for these filters."""
        return tuple(prepared for prepared in self.views if prepared.figure is None)


def pack_views(engine: Engine) -> tuple[ChartView, ...]:
    """Return every chart view the pack includes, in page order, each once."""
    every = (*OVERVIEW_VIEWS, *EVENT_REACH_VIEWS, *FEEDBACK_VIEWS, *COVERAGE_VIEWS, *ATTAINMENT_VIEWS,
             *spc_views(engine))
    return tuple({view.id: view for view in every}.values())


def build_pack(
    engine: Engine,
    *,
    filters: Filters,
    min_cell: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> MeetingPack:
    """Return the pack's contents for ``filters``, with counts below
    ``min_cell`` (people or responses) suppressed. ``progress`` is called
    with a fraction (0-1) and a message as each view is prepared."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise PackError(f"an export always applies suppression: min_cell must be a whole number of at "
                        f"least 1, not {min_cell!r}")
    today = today or dt.date.today()
    report = progress or (lambda fraction, message: None)
    last_import = meta.last_import_at(engine)
    regions = meta.region_options(engine)
    filter_text = filter_summary_text(
        filters,
        period_label=period_label(filters, today=today),
        region_names=_labels(regions, "name"),
        stage_labels=_labels(meta.stage_options(engine), "label"),
        type_labels=_labels(meta.event_type_options(engine), "label"),
    )
    views = pack_views(engine)
    prepared: list[PreparedView] = []
    raw: dict[str, pd.DataFrame] = {}
    for position, view in enumerate(views):
        report(PREPARED_SHARE * position / len(views), f"Preparing “{view.title}”")
        raw[view.id] = run_query(view, engine, filters=filters)
        prepared.append(prepare_view(view, raw[view.id], min_cell=min_cell, data_as_of=last_import))
    report(PREPARED_SHARE, "Working out the headline figures")
    raw_kpis = compute_kpis(engine, filters=filters, as_of=filters.date_to or today)
    figures, hidden = shown_kpis(raw_kpis, filters=filters, min_cell=min_cell)
    by_region = raw.get(ATTENDANCES_BY_REGION.id)
    if by_region is None:
        by_region = run_query(ATTENDANCES_BY_REGION, engine, filters=filters)
    reached = regions_reached(by_region, regions=regions)
    return MeetingPack(
        filters=filters,
        min_cell=min_cell,
        made_on=today,
        filter_text=filter_text,
        period_text=date_range_text(filters.date_from, filters.date_to),
        data_as_of_text=data_as_of_text(last_import),
        demo_data=meta.demo_rows_present(engine),
        figures=figures,
        hidden=hidden,
        kpi_message=key_messages(figures, hidden, regions_reached=reached, min_cell=min_cell),
        views=tuple(prepared),
    )


def _labels(frame: pd.DataFrame, column: str) -> dict[str, str]:
    return dict(zip(frame["code"], frame[column], strict=True))


def definitions(prepared: PreparedView) -> list[str]:
    """Return "Label: definition" for each metric the view shows, from the registry."""
    return [f"{METRICS[metric_id].label}: {METRICS[metric_id].definition}"
            for metric_id in prepared.view.metric_ids if metric_id in METRICS]


def caveats(prepared: PreparedView, *, min_cell: int) -> list[str]:
    """Return the caveats a reader of the view's chart needs: suppression,
    trial limits and variation of SPC charts, benchmarks, associations."""
    view = prepared.view
    notes = []
    spc = prepared.spc
    if spc is not None:
        if spc.trial_limits:
            notes.append(f"Trial limits: the limits come from {spc.baseline_points} points, fewer than 12, "
                         "so they may move as more months are added.")
        notes.append(spc.variation_description)
        if spc.assurance_description:
            notes.append(spc.assurance_description)
    if view.counts or view.rates:
        notes.append(suppression_note(min_cell=min_cell) + " Withheld values are left blank.")
    if view.id.startswith("outcome-"):
        notes.append(BENCHMARK_NOTE)
    if view.id.startswith("engagement-"):
        notes.append(ENGAGEMENT_CAVEAT)
    if view.id == "mwres-reach":
        notes.append(MWRES_LABEL_CAVEAT)
    return notes


def definitions_text(pack: MeetingPack) -> str:
    """Return the text of ``definitions.txt``: filters, data as of, the
    suppression rule, the counting rules and every metric definition."""
    lines = [
        f"{ORGANISATION} {PACK_TITLE.lower()}, made on {pack.made_on:%-d %b %Y}",
        f"Filters: {pack.filter_text}",
        pack.data_as_of_text,
        "",
        "Suppression",
        suppression_note(min_cell=pack.min_cell),
        "In these CSV files a withheld number is an empty cell, marked True in its *_suppressed column "
        "(and *_secondary when it was withheld only to protect another cell).",
        "",
        "Counting rules",
        COUNTING_RULES,
        "",
        "Definitions",
    ]
    lines += [f"{entry.label} ({entry.id}): {entry.definition}" for entry in METRICS.values()]
    if pack.demo_data:
        lines += ["", "Demo data: these figures include synthetic demonstration records."]
    return "\n".join(lines) + "\n"
