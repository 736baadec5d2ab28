"""The admin pages' shared controls: a success notice that survives the
rerun after a change, UK times, and the two-step "… / Yes, … / Cancel"
confirmation before anything is undone or removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

import pandas as pd
import streamlit as st

from domain.periods import UK_TIME

_FLASH_KEY = "admin_flash"


def flash(message: str) -> None:
    """Show ``message`` as a success notice after the rerun that follows (this call reruns)."""
    st.session_state[_FLASH_KEY] = message
    st.rerun()


def show_flash() -> None:
    """Draw the notice left by ``flash``, once."""
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def uk_time(moment: dt.datetime | None) -> str:
    """Return a UTC moment as UK time text ("7 Dec 2026, 14:05"), or "" for none."""
    if moment is None or pd.isna(moment):
        return ""
    return f"{moment.astimezone(UK_TIME):%-d %b %Y, %H:%M}"


def confirmed(*, key: str, choice: Hashable, start_label: str, icon: str, question: str,
              confirm_label: str) -> bool:
    """Draw the ``start_label`` button for ``choice``; once pressed, the
    warning ``question`` with ``confirm_label`` and Cancel. Return True in
    the run where the change is confirmed (the pending state is cleared);
    Cancel clears it and reruns. Widget keys start with ``key``."""
    pending = f"{key}_pending"
    if st.button(start_label, key=f"{key}_start", icon=icon):
        st.session_state[pending] = choice
    if st.session_state.get(pending) != choice:
        return False
    st.warning(question)
    confirm, cancel = st.columns(2)
    if cancel.button("Cancel", key=f"{key}_cancel"):
        st.session_state.pop(pending, None)
        st.rerun()
    if confirm.button(confirm_label, type="primary", key=f"{key}_confirm"):
        st.session_state.pop(pending, None)
        return True
    return False
