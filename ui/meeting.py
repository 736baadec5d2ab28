"""Meeting mode: the dashboard on a shared screen in a meeting.

Meeting mode hides the sidebar and every control, uses larger type, shows
the filters, the period and "data as of" at the top of each page, keeps one
key message above each chart and always suppresses small numbers. It is
switched on with the sidebar switch or a link with ``?present=1``; the
choice lives in session state, so it survives page switches, and the frame
mirrors it in the URL, so a shared link opens in meeting mode too.

The link parsing, the style sheet and the chart copy with larger fonts are
pure functions; the rest draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

PRESENT_PARAM = "present"
PRESENT_ON = "1"
PRESENT_OFF = "0"

SWITCH_LABEL = "Meeting mode"
SWITCH_HELP = (
    "For a shared screen: hides this sidebar and the controls, uses larger type, states the filters and "
    "“data as of” at the top of each page, and always hides small numbers. A link with `?present=1` "
    "opens it directly."
)
EXIT_LABEL = "Exit meeting mode"
ADMIN_PAGE_NOTICE = "**Meeting mode shows the dashboards only.** Exit meeting mode to use this page."

# Root font size in meeting mode, in CSS pixels (Streamlit's default is 16):
# every Streamlit size is in rem, so this one number scales all the type.
MEETING_ROOT_FONT_PX = 22
# Chart fonts are in pixels, so they are scaled by the same factor.
CHART_FONT_SCALE = MEETING_ROOT_FONT_PX / 16
PLOTLY_DEFAULT_FONT_PX = 12

# Streamlit's stable element class names (``st-key-...`` for keyed
# elements, ``stDownloadButton`` and the like for element types). Hidden in
# meeting mode: the sidebar, and the controls a page draws itself.
_HIDDEN_CHROME = (
    ".stSidebar",
    ".stExpandSidebarButton",
    ".stSidebarCollapseButton",
    ".stElementToolbar",
    ".stMain .stExpander",
)
_HIDDEN_CONTROLS = (
    ".stDownloadButton",
    ".stExpander",
    ".stTextInput",
    ".stMultiSelect",
    ".stSelectbox",
    ".stDateInput",
    ".stCheckbox",
)
CONTEXT_KEY = "meeting-context"
BAR_KEY = "meeting-bar"
# Containers whose keys start with this are read by screen readers but not shown.
SCREEN_READER_ONLY_PREFIX = "meeting-sr-"

_STATE_KEY = "meeting_mode"
_NOTICE_KEY = "meeting_mode_notice"
_TOGGLE_KEY = "meeting_toggle"
_EXIT_KEY = "meeting_exit"


def present_from_query(values: Sequence[str]) -> tuple[bool, str | None]:
    """Return whether the ``present`` values of a link ask for meeting mode,
    and a notice when the value is not ``1`` or ``0`` (then it is off).

    A repeated parameter keeps its last value, as ``st.query_params`` does.
    """
    if not values:
        return False, None
    value = values[-1].strip()
    if value == PRESENT_ON:
        return True, None
    if value == PRESENT_OFF:
        return False, None
    shown = value if len(value) <= 20 else value[:19] + "…"
    return False, (
        f"Ignored '{PRESENT_PARAM}={shown}' in the link, so meeting mode is off: "
        f"use '{PRESENT_PARAM}={PRESENT_ON}' to open the page in meeting mode."
    )


def present_query(*, on: bool) -> dict[str, list[str]]:
    """Return the URL query parameters that record meeting mode: ``present=1`` when on, none when off."""
    return {PRESENT_PARAM: [PRESENT_ON]} if on else {}


def meeting_css(*, root_font_px: int = MEETING_ROOT_FONT_PX) -> str:
    """Return the style sheet of meeting mode: larger type (root font size in
    CSS pixels), no sidebar, and no controls in the page body."""
    chrome = ", ".join(_HIDDEN_CHROME)
    # Hiding the whole element container also removes the gap it leaves.
    controls = ", ".join(f".stMain .stElementContainer:has({name})" for name in _HIDDEN_CONTROLS)
    return (
        "<style>\n"
        f":root {{ font-size: {root_font_px}px; }}\n"
        f"{chrome} {{ display: none !important; }}\n"
        f"{controls} {{ display: none !important; }}\n"
        f".st-key-{CONTEXT_KEY} p {{ font-size: 1.1rem; }}\n"
        f'[class*="st-key-{SCREEN_READER_ONLY_PREFIX}"] {{ position: absolute !important; width: 1px; '
        "height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }\n"
        "</style>"
    )


def presentation_spec(figure: go.Figure, *, scale: float = CHART_FONT_SCALE) -> dict[str, Any]:
    """Return ``figure`` as a Plotly dict with every font size, the minimum
    size of bar text, the height and the margins (in pixels) multiplied by
    ``scale``; ``figure``
    itself (maybe a cached one) is left as it is. ``st.plotly_chart`` takes
    the dict and validates it once."""
    spec = figure.to_dict()
    spec.setdefault("layout", {}).setdefault("font", {}).setdefault("size", PLOTLY_DEFAULT_FONT_PX)
    scaled = _scaled_fonts(spec, scale, in_font=False)
    layout = scaled["layout"]
    # Streamlit's chart theme sizes ticks and legends that name no size of
    # their own, so they get the scaled base size explicitly.
    base = layout["font"]["size"]
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis.setdefault("tickfont", {}).setdefault("size", base)
    layout.setdefault("legend", {}).setdefault("font", {}).setdefault("size", base)
    # Larger labels and legends would otherwise squeeze the plot area, and
    # labels written in a margin (e.g. an SPC chart's limits) would be cut off.
    if "height" in layout:
        layout["height"] = round(layout["height"] * scale)
    if isinstance(layout.get("margin"), dict):
        layout["margin"] = {side: round(value * scale) if isinstance(value, int | float) else value
                            for side, value in layout["margin"].items()}
    return scaled


def _scaled_fonts(node: Any, scale: float, *, in_font: bool) -> Any:
    # A font is any key naming one: font, tickfont, textfont, title.font...
    if isinstance(node, dict):
        return {
            key: _scaled_size(value, scale)
            if (in_font and key == "size") or key == "minsize"
            else _scaled_fonts(value, scale, in_font=key.endswith("font"))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_scaled_fonts(item, scale, in_font=in_font) for item in node]
    return node


def _scaled_size(size: Any, scale: float) -> Any:
    if isinstance(size, list):
        return [_scaled_size(item, scale) for item in size]
    return round(size * scale, 1) if isinstance(size, int | float) else size


def screen_reader_only_key(name: str) -> str:
    """Return the key of a container that meeting mode shows to screen readers only."""
    return f"{SCREEN_READER_ONLY_PREFIX}{name}"


def meeting_mode_on() -> bool:
    """True when this browser session is in meeting mode."""
    return bool(st.session_state.get(_STATE_KEY, False))


def read_meeting_link(params: Mapping[str, Sequence[str]]) -> None:
    """On the first run of a browser session, set meeting mode as the URL's
    ``present`` parameter asks (off without one); later the session's choice
    stands, because the URL then only mirrors it. An invalid value turns it
    off and leaves a notice (see ``meeting_notice``)."""
    if _STATE_KEY in st.session_state:
        return
    on, notice = present_from_query(params.get(PRESENT_PARAM, ()))
    st.session_state[_STATE_KEY] = on
    st.session_state[_NOTICE_KEY] = notice


def meeting_notice() -> str | None:
    """Return the notice about an invalid ``present`` value in the link, until the mode is switched."""
    return st.session_state.get(_NOTICE_KEY)


def draw_meeting_switch() -> None:
    """Draw the sidebar switch that turns meeting mode on."""
    st.session_state[_TOGGLE_KEY] = meeting_mode_on()
    st.toggle(SWITCH_LABEL, key=_TOGGLE_KEY, on_change=_toggled, help=SWITCH_HELP)


def draw_meeting_bar(pages: Sequence[tuple[str, str]], *, query: Mapping[str, Sequence[str]]) -> None:
    """Draw meeting mode's top bar: one link per ``(page path, label)``, each
    keeping ``query`` (meeting mode and the filters), and the exit button;
    then apply the meeting style sheet."""
    st.html(meeting_css())
    with st.container(key=BAR_KEY, horizontal=True, vertical_alignment="center"):
        for path, label in pages:
            st.page_link(path, label=label, query_params=dict(query))
        st.space("stretch")
        st.button(
            EXIT_LABEL, key=_EXIT_KEY, on_click=_set_mode, args=(False,), icon=":material/close_fullscreen:"
        )


def draw_meeting_context(*, summary: str, data_as_of: str) -> None:
    """Draw the filters and period line and the "data as of" line at the top of a page in meeting mode."""
    with st.container(key=CONTEXT_KEY, border=True):
        st.markdown(f"**{summary}**  \n{data_as_of}")


def _toggled() -> None:
    _set_mode(bool(st.session_state[_TOGGLE_KEY]))


def _set_mode(on: bool) -> None:
    st.session_state[_STATE_KEY] = on
    st.session_state[_NOTICE_KEY] = None
