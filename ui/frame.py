"""The shared page frame: every page's first call.

``page_frame`` sets the page config, checks access, draws the global filters
in the sidebar and the data notices above the page, and returns the selected
``Filters``. The filters live in session state, so they survive page
switches, and are mirrored in the URL (see ``ui.filters``), so a link
reproduces the view on any page. When the selected period holds no records,
the frame says why and offers the last 12 months that do (see
``views.empty_period``). In meeting mode (see ``ui.meeting``) the
frame draws no sidebar: a bar of page links and the exit button instead, and
the filters and "data as of" in a box under the title.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access.config import ConfigError
from data_access.filters import Filters
from data_access.queries import meta
from domain.periods import preset_range
from ui.auth import ADMIN_PAGES, page_visible, require_login
from ui.cache import cached_lookup, cached_query
from ui.filters import (
    DEFAULT_PRESET,
    FILTER_PARAMS,
    PRESET_CUSTOM,
    PRESET_LABELS,
    complete_groups,
    filters_from_query,
    query_from_filters,
    toggle_group,
)
from ui.meeting import (
    ADMIN_PAGE_NOTICE,
    PRESENT_PARAM,
    draw_meeting_bar,
    draw_meeting_context,
    draw_meeting_switch,
    meeting_mode_on,
    meeting_notice,
    present_query,
    read_meeting_link,
)
from ui.notices import DEMO_BANNER, data_as_of_text, filter_summary_text, page_label, page_sort_key
from ui.privacy import draw_privacy_switch
from views.empty_period import empty_period_notice

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
PAGE_ICON = ASSETS_DIR / "icon.png"
LOGO = ASSETS_DIR / "logo.svg"

# The sidebar navigation is drawn here rather than by Streamlit, whose
# pages/ menu would label the entry page after its file name, "dashboard".
ENTRY_SCRIPT = PROJECT_ROOT / "dashboard.py"
ENTRY_LABEL = "Overview"
PAGES_DIR = PROJECT_ROOT / "pages"

# Pages that are not dashboards: meeting mode leaves them out of its page bar.
NON_DASHBOARD_PAGES = ADMIN_PAGES | {"6_Meeting_pack.py"}

# Shortcut groups of training stages, by the stage table's stage_group.
STAGE_GROUP_SHORTCUTS: dict[str, str] = {
    "non_training": "Non-training",
    "core": "Core ST1–4",
    "specialty": "Specialty ST5–8",
    "consultant": "Consultant",
}

# Earliest date the custom range offers; Soft Landing's records start later.
EARLIEST_DATE = dt.date(2015, 1, 1)

_STATE_KEY = "global_filters"
_NOTICES_KEY = "global_filter_notices"
_REGION_KEY = "filter_region"
_NATION_KEY = "filter_region_nations"
_STAGE_KEY = "filter_stage"
_STAGE_GROUP_KEY = "filter_stage_groups"
_TYPE_KEY = "filter_type"
_PERIOD_KEY = "filter_period"
_FROM_KEY = "filter_from"
_TO_KEY = "filter_to"
_RESET_KEY = "filter_reset"
_OFFER_KEY = "empty_period_offer"


def require_access(*, admin_only: bool = False) -> None:
    """Stop the page unless this session may see it (``admin_only``: admins
    only), showing the login page instead; see ``ui.auth``.

    The single place for the access check, before any query runs. It stores
    the role in ``st.session_state["role"]`` (read it with
    ``ui.auth.current_role``).
    """
    require_login(admin_only=admin_only)


def page_frame(
    title: str, *, icon: str | Path = PAGE_ICON, admin_only: bool = False, dashboard: bool = True
) -> Filters:
    """Draw the frame of a page titled ``title`` and return the global filters.

    Must be the first Streamlit call on every page. Stops the page with a
    plain message when the database cannot be read, with "not permitted"
    for a viewer on an ``admin_only`` page, and with a pointer to the exit
    in meeting mode on a page that is not a ``dashboard`` (admin pages and
    tools such as the meeting pack; list those in ``NON_DASHBOARD_PAGES``).
    """
    read_meeting_link({name: st.query_params.get_all(name) for name in st.query_params})
    meeting = meeting_mode_on()
    st.set_page_config(
        page_title=f"{title} · Soft Landing",
        page_icon=str(icon),
        layout="wide",
        initial_sidebar_state="collapsed" if meeting else "auto",
    )
    require_access(admin_only=admin_only)
    st.logo(str(LOGO), icon_image=str(PAGE_ICON), size="large")
    if not meeting:
        _navigation()
    try:
        regions = cached_lookup(meta.region_options)
        stages = cached_lookup(meta.stage_options)
        event_types = cached_lookup(meta.event_type_options)
        last_import = cached_lookup(meta.last_import_at)
        demo_present = cached_lookup(meta.demo_rows_present)
    except (ConfigError, SQLAlchemyError) as exc:
        _stop_unreadable(exc)

    if meeting:
        filters, preset, notices = _session_filters(regions, stages, event_types, today=dt.date.today())
        draw_meeting_bar(_page_entries(dashboards_only=True), query=_mirror_in_url(filters, preset))
    else:
        filters, preset, notices = _sidebar_filters(regions, stages, event_types, today=dt.date.today())

    st.title(title)
    if meeting and (admin_only or not dashboard):
        st.info(ADMIN_PAGE_NOTICE, icon=":material/co_present:")
        st.stop()
    summary = filter_summary_text(
        filters,
        period_label=PRESET_LABELS[preset],
        region_names=_labels(regions, "name"),
        stage_labels=_labels(stages, "label"),
        type_labels=_labels(event_types, "label"),
    )
    if meeting:
        draw_meeting_context(summary=summary, data_as_of=data_as_of_text(last_import))
    else:
        st.caption(f"{summary}  \n{data_as_of_text(last_import)}")
    if (link_notice := meeting_notice()) is not None:
        notices.append(link_notice)
    for notice in notices:
        st.warning(notice, icon=":material/link_off:")
    if not admin_only:
        _explain_empty_period(filters, imported=last_import is not None, offer=not meeting)
    draw_privacy_switch()
    if demo_present:
        st.info(DEMO_BANNER, icon=":material/science:")
    return filters


def _stop_unreadable(exc: Exception) -> NoReturn:
    st.error(
        "**The dashboard cannot read its database.** Check `DATABASE_URL` or `[database] url` "
        "in `.streamlit/secrets.toml`, then reload the page.\n\n"
        f"Details: {exc.__class__.__name__}: {_first_line(exc)}"
    )
    st.stop()


def _explain_empty_period(filters: Filters, *, imported: bool, offer: bool) -> None:
    # Admin pages do not follow the period, so only the others call this.
    # Meeting mode shows no controls, so it explains without the button.
    try:
        dates = cached_query(meta.data_dates, filters=filters).iloc[0]
    except (ConfigError, SQLAlchemyError) as exc:
        _stop_unreadable(exc)
    notice = empty_period_notice(filters=filters, imported=imported, today=dt.date.today(), **dates.to_dict())
    if notice is None:
        return
    st.info(notice.text, icon=":material/event_busy:")
    if offer and notice.offer is not None:
        st.button(
            notice.offer_label,
            key=_OFFER_KEY,
            on_click=_show_period,
            args=notice.offer,
            icon=":material/history:",
        )


def _show_period(date_from: dt.date, date_to: dt.date) -> None:
    # Custom dates in the sidebar's widgets: the run that follows reads them
    # as if chosen there, so the URL carries them (from/to) like any range.
    state = st.session_state
    state[_PERIOD_KEY] = PRESET_CUSTOM
    state[_FROM_KEY] = date_from
    state[_TO_KEY] = date_to


def _page_entries(*, dashboards_only: bool = False) -> list[tuple[str, str]]:
    # Viewers never see admin pages in the menu; the pages also refuse them.
    # Meeting mode links to the dashboards only.
    visible = [
        path
        for path in PAGES_DIR.glob("*.py")
        if page_visible(path.name) and not (dashboards_only and path.name in NON_DASHBOARD_PAGES)
    ]
    page_files = sorted(visible, key=lambda path: page_sort_key(path.name))
    return [(ENTRY_SCRIPT.name, ENTRY_LABEL)] + [
        (f"{PAGES_DIR.name}/{path.name}", page_label(path.name)) for path in page_files
    ]


def _navigation() -> None:
    with st.sidebar:
        for path, label in _page_entries():
            st.page_link(path, label=label, width="stretch")
        draw_meeting_switch()


def _session_filters(
    regions: pd.DataFrame, stages: pd.DataFrame, event_types: pd.DataFrame, *, today: dt.date
) -> tuple[Filters, str, list[str]]:
    # Meeting mode draws no filter widgets: the session's filters stand.
    state = st.session_state
    _read_filter_link(regions, stages, event_types, today=today)
    filters, preset = state[_STATE_KEY]
    return filters, preset, list(state[_NOTICES_KEY])


def _read_filter_link(
    regions: pd.DataFrame, stages: pd.DataFrame, event_types: pd.DataFrame, *, today: dt.date
) -> None:
    state = st.session_state
    if _STATE_KEY not in state:
        # First run of this browser session: the URL decides.
        params = {name: st.query_params.get_all(name) for name in FILTER_PARAMS}
        from_link, preset, notices = filters_from_query(
            params,
            valid_regions=list(regions["code"]),
            valid_stages=list(stages["code"]),
            valid_types=list(event_types["code"]),
        )
        state[_STATE_KEY] = (_resolve_dates(from_link, preset, today=today), preset)
        state[_NOTICES_KEY] = notices


def _sidebar_filters(
    regions: pd.DataFrame, stages: pd.DataFrame, event_types: pd.DataFrame, *, today: dt.date
) -> tuple[Filters, str, list[str]]:
    state = st.session_state
    _read_filter_link(regions, stages, event_types, today=today)
    previous, previous_preset = state[_STATE_KEY]
    _seed_widgets(previous, previous_preset)

    nations = _groups(regions[regions["is_training_region"]], "nation", "code")
    stage_groups = {
        label: members
        for group, label in STAGE_GROUP_SHORTCUTS.items()
        if (members := list(stages.loc[stages["stage_group"] == group, "code"]))
    }
    region_names = _labels(regions, "name")
    stage_labels = _labels(stages, "label")
    type_labels = _labels(event_types, "label")

    with st.sidebar:
        st.header("Filters", divider="blue")
        st.multiselect(
            "Region",
            options=list(regions["code"]),
            format_func=region_names.__getitem__,
            key=_REGION_KEY,
            placeholder="All regions",
            help="The region recorded on each attendance or feedback row, not the event's host region.",
        )
        _group_shortcuts(
            "Nations", _NATION_KEY, _REGION_KEY, nations,
            explanation="Select or clear all of a nation's regions at once.",
        )
        st.multiselect(
            "Training stage",
            options=list(stages["code"]),
            format_func=stage_labels.__getitem__,
            key=_STAGE_KEY,
            placeholder="All stages",
        )
        _group_shortcuts(
            "Stage groups", _STAGE_GROUP_KEY, _STAGE_KEY, stage_groups,
            explanation=(
                "Select or clear a group of stages at once. Non-training means pre-NHS, LED and SAS doctors."
            ),
        )
        st.multiselect(
            "Event type",
            options=list(event_types["code"]),
            format_func=type_labels.__getitem__,
            key=_TYPE_KEY,
            placeholder="All event types",
        )
        preset = st.selectbox(
            "Period", options=list(PRESET_LABELS), format_func=PRESET_LABELS.__getitem__, key=_PERIOD_KEY
        )
        date_from, date_to = _date_range(preset, today=today)
        st.button(
            "Reset filters",
            key=_RESET_KEY,
            on_click=_reset_widgets,
            icon=":material/restart_alt:",
            type="tertiary",
        )

    filters = Filters(
        regions=tuple(state[_REGION_KEY]),
        stages=tuple(state[_STAGE_KEY]),
        event_types=tuple(state[_TYPE_KEY]),
        date_from=date_from,
        date_to=date_to,
    )
    if (filters, preset) != (previous, previous_preset):
        state[_NOTICES_KEY] = []
    state[_STATE_KEY] = (filters, preset)
    _mirror_in_url(filters, preset)
    return filters, preset, list(state[_NOTICES_KEY])


def _resolve_dates(filters: Filters, preset: str, *, today: dt.date) -> Filters:
    if preset == PRESET_CUSTOM:
        return filters
    date_from, date_to = preset_range(preset, today=today)
    return dataclasses.replace(filters, date_from=date_from, date_to=date_to)


def _seed_widgets(filters: Filters, preset: str) -> None:
    # A widget on a new page is a new widget to Streamlit, even with the same
    # key, and would start empty. Writing each key before the widgets exist
    # makes every page's widgets take the latest value, or the session copy
    # of the filters when there is none yet.
    defaults = {
        _REGION_KEY: list(filters.regions),
        _STAGE_KEY: list(filters.stages),
        _TYPE_KEY: list(filters.event_types),
        _PERIOD_KEY: preset,
        _FROM_KEY: filters.date_from,
        _TO_KEY: filters.date_to,
    }
    for key, value in defaults.items():
        st.session_state[key] = st.session_state[key] if key in st.session_state else value


def _labels(frame: pd.DataFrame, label_column: str) -> dict[str, str]:
    return dict(zip(frame["code"], frame[label_column], strict=True))


def _groups(frame: pd.DataFrame, group_column: str, code_column: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for group, code in zip(frame[group_column], frame[code_column], strict=True):
        groups.setdefault(group, []).append(code)
    return groups


def _group_shortcuts(
    label: str, key: str, target_key: str, groups: Mapping[str, Sequence[str]], *, explanation: str
) -> None:
    # The pills show which groups are wholly selected; clicking one toggles
    # all its codes in the multiselect below.
    st.session_state[key] = complete_groups(st.session_state[target_key], groups)
    st.pills(
        label,
        options=list(groups),
        selection_mode="multi",
        key=key,
        on_change=_apply_group_toggle,
        args=(key, target_key, groups),
        label_visibility="collapsed",
        help=explanation,
    )


def _apply_group_toggle(key: str, target_key: str, groups: Mapping[str, Sequence[str]]) -> None:
    state = st.session_state
    now = set(state[key] or ())
    before = set(complete_groups(state[target_key], groups))
    selection = list(state[target_key])
    for name, members in groups.items():
        if (name in now) != (name in before):
            selection = toggle_group(selection, members)
    state[target_key] = selection


def _date_range(preset: str, *, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if preset != PRESET_CUSTOM:
        date_from, date_to = preset_range(preset, today=today)
        st.caption(f"{_day(date_from, 'the first record')} to {_day(date_to, 'the latest record')}")
        # Switching to custom dates starts from the range shown here.
        st.session_state[_FROM_KEY] = date_from
        st.session_state[_TO_KEY] = date_to
        return date_from, date_to
    # A linked date outside the usual span widens it rather than break the widget.
    chosen = [day for day in (st.session_state[_FROM_KEY], st.session_state[_TO_KEY]) if day is not None]
    earliest = min([EARLIEST_DATE, *chosen])
    latest = max([today + dt.timedelta(days=2 * 366), *chosen])
    bounds = {"min_value": earliest, "max_value": latest, "format": "DD/MM/YYYY"}
    date_from = st.date_input("From", key=_FROM_KEY, **bounds)
    date_to = st.date_input("To", key=_TO_KEY, **bounds)
    if date_from is not None and date_to is not None and date_from > date_to:
        st.warning("The start date is after the end date, so the two were swapped.")
        date_from, date_to = date_to, date_from
    return date_from, date_to


def _reset_widgets() -> None:
    state = st.session_state
    state[_REGION_KEY] = []
    state[_STAGE_KEY] = []
    state[_TYPE_KEY] = []
    state[_PERIOD_KEY] = DEFAULT_PRESET


def _mirror_in_url(filters: Filters, preset: str) -> dict[str, list[str]]:
    """Write the filters and meeting mode in the URL; return those parameters."""
    managed = (*FILTER_PARAMS, PRESENT_PARAM)
    wanted = {**query_from_filters(filters, preset=preset), **present_query(on=meeting_mode_on())}
    current = {name: st.query_params.get_all(name) for name in managed if name in st.query_params}
    # Writing only on change keeps the browser history to one entry per view.
    if current != wanted:
        # Any other parameters are kept.
        others = {name: st.query_params.get_all(name) for name in st.query_params if name not in managed}
        st.query_params.from_dict({**others, **wanted})
    return wanted


def _day(day: dt.date | None, missing: str) -> str:
    return missing if day is None else f"{day:%-d %b %Y}"


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else ""
