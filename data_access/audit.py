"""The audit log: who logged in, failed to log in, imported, undid an import
or exported, and when. It names dashboard users only (account names or
single-sign-on emails), never participants, and never holds a password."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, insert, select

from data_access.models import AuditEvent

# action -> how the audit log page describes it.
ACTIONS: dict[str, str] = {
    "login": "Logged in",
    "login_failed": "Failed login",
    "login_throttled": "Login refused: too many failures",
    "logout": "Logged out",
    "import": "Imported a file",
    "undo": "Undid an import",
    "record_edit": "Changed a record on the Records page",
    "clear_demo": "Removed the demo data",
    "export": "Exported data",
}
AUDIT_COLUMNS = ["occurred_at", "user", "action", "detail"]
MAX_USER_CHARS = 120
MAX_DETAIL_CHARS = 500


def record_audit_event(engine: Engine, *, action: str, user: str | None, detail: str = "") -> None:
    """Append one event to the audit log, timed now (UTC). ``user`` is the
    dashboard user (None when unknown); ``detail`` must not name participants
    and is cut to 500 characters. Raises ``ValueError`` for an action not in
    ``ACTIONS``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action '{action}' (use one of: {', '.join(ACTIONS)})")
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(
            occurred_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            user=None if user is None else user[:MAX_USER_CHARS],
            action=action,
            detail=detail[:MAX_DETAIL_CHARS],
        ))


def audit_events(engine: Engine, *, limit: int = 500, actions: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return the ``limit`` newest audit events, newest first, as columns
    ``occurred_at`` (timezone-aware UTC), ``user``, ``action`` and ``detail``;
    only the given ``actions`` when any are given."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number of at least 1, not {limit!r}")
    query = select(AuditEvent.occurred_at, AuditEvent.user, AuditEvent.action, AuditEvent.detail)
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    events = pd.DataFrame([tuple(row) for row in rows], columns=AUDIT_COLUMNS, dtype=object)
    events["occurred_at"] = [moment.replace(tzinfo=dt.UTC) for moment in events["occurred_at"]]
    return events
