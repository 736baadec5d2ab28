"""Audit log (admins only): logins, failed logins, imports, undos and
exports, with time and user. It holds no participant data."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access.audit import ACTIONS, audit_events
from domain.periods import UK_TIME
from ui.cache import get_engine
from ui.frame import page_frame

SHOWN_EVENTS = 1000

page_frame("Audit log", admin_only=True)
st.caption(f"The newest {SHOWN_EVENTS:,} events, in UK time. Users are dashboard accounts or "
           "single-sign-on emails; no participant data is recorded here.")
chosen = st.multiselect("Actions", list(ACTIONS), format_func=ACTIONS.__getitem__, placeholder="All actions",
                        key="audit_actions")
try:
    events = audit_events(get_engine(), limit=SHOWN_EVENTS, actions=tuple(chosen))
except SQLAlchemyError as exc:
    st.error(f"**The audit log cannot be read:** {exc.__class__.__name__}.")
    st.stop()
if events.empty:
    st.info("No events recorded yet.", icon=":material/info:")
else:
    st.dataframe(
        pd.DataFrame({
            "when": [f"{moment.astimezone(UK_TIME):%-d %b %Y, %H:%M:%S}" for moment in events["occurred_at"]],
            "user": events["user"].fillna(""),
            "action": [ACTIONS[action] for action in events["action"]],
            "detail": events["detail"],
        }),
        hide_index=True,
        width="stretch",
    )
