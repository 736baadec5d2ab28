"""The small-number suppression threshold a page uses, and the internal-view
switch that turns suppression off for one browser session.

Suppression is on by default. The switch lives in session state only (never
in the URL), so a shared link can never reveal small numbers, and it starts
off in every new session.
"""

from __future__ import annotations

import streamlit as st

from data_access.config import ConfigError, min_cell
from ui.auth import is_admin
from ui.meeting import meeting_mode_on

SWITCH_LABEL = "Show exact small numbers (internal view)"
SWITCH_HELP = (
    "Off by default. When on, counts below the suppression threshold and rates on small "
    "denominators are shown exactly, for this browser session only. Never use this view on a "
    "shared screen or in an export for partners."
)
EXACT_NUMBERS_BANNER = (
    "**Internal view: exact small numbers are shown.** Counts below the suppression threshold "
    "could identify individual doctors. Do not share this screen or its downloads outside the "
    "Soft Landing core team. Switch it off in the sidebar under *Privacy*."
)

# The session's choice survives page switches here; the toggle's own widget
# state would be reset by Streamlit on every new page.
_EXACT_KEY = "privacy_exact_numbers"
_TOGGLE_KEY = "privacy_exact_toggle"


def exact_numbers_allowed() -> bool:
    """True when this session may switch exact small numbers on.

    Only admins get the internal view, and never in meeting mode. This is
    the single place for the check: False hides the switch and forces
    suppression on, and ``draw_privacy_switch`` then forgets an earlier
    choice, so leaving meeting mode on a shared screen shows no small numbers.
    """
    return is_admin() and not meeting_mode_on()


def current_min_cell() -> int | None:
    """Return the suppression threshold for this session, in people or
    responses: ``[privacy] min_cell`` (default 5), or None when the internal
    view shows exact numbers. Stops the page with a plain message when the
    setting is invalid."""
    if exact_numbers_allowed() and st.session_state.get(_EXACT_KEY, False):
        return None
    try:
        return min_cell()
    except ConfigError as exc:
        st.error(f"**The privacy setting is not valid.** {exc}. Fix `.streamlit/secrets.toml`, then reload.")
        st.stop()


def draw_privacy_switch() -> None:
    """Draw the internal-view toggle in the sidebar (when allowed) and, while
    it is on, the warning banner in the page body."""
    state = st.session_state
    if not exact_numbers_allowed():
        state[_EXACT_KEY] = False
        return
    state[_TOGGLE_KEY] = state.get(_EXACT_KEY, False)
    with st.sidebar:
        st.header("Privacy", divider="blue")
        st.toggle(SWITCH_LABEL, key=_TOGGLE_KEY, on_change=_remember_choice, help=SWITCH_HELP)
        threshold = _threshold_text()
        st.caption(f"Counts below {threshold} show as “<{threshold}” unless this is on.")
    if state.get(_EXACT_KEY, False):
        st.warning(EXACT_NUMBERS_BANNER, icon=":material/visibility:")


def _remember_choice() -> None:
    st.session_state[_EXACT_KEY] = bool(st.session_state[_TOGGLE_KEY])


def _threshold_text() -> str:
    try:
        return str(min_cell())
    except ConfigError:
        return "the threshold"
