"""The audit log: events recorded with time and user, newest first."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.audit import audit_events, record_audit_event


def test_event_recorded_with_time_and_user(engine):
    """A recorded event comes back with its user, action, detail and a UTC time."""
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    record_audit_event(engine, action="export", user="alice", detail="Event reach CSV")
    event = audit_events(engine).iloc[0]
    assert (event["user"], event["action"], event["detail"]) == ("alice", "export", "Event reach CSV")
    assert event["occurred_at"] >= before


def test_newest_first(engine):
    """Events are listed newest first."""
    record_audit_event(engine, action="import", user="alice", detail="first")
    record_audit_event(engine, action="undo", user="alice", detail="second")
    assert list(audit_events(engine)["detail"]) == ["second", "first"]


def test_filter_by_action(engine):
    """Only the asked-for actions are listed when actions are given."""
    record_audit_event(engine, action="import", user="alice")
    record_audit_event(engine, action="login", user="bob")
    assert list(audit_events(engine, actions=("login",))["user"]) == ["bob"]


def test_unknown_action_refused(engine):
    """An action outside the list is refused and nothing is written."""
    with pytest.raises(ValueError, match="unknown audit action"):
        record_audit_event(engine, action="delete_everything", user="alice")
    assert audit_events(engine).empty


def test_long_detail_is_cut(engine):
    """Details longer than the column are cut to 500 characters, not refused."""
    record_audit_event(engine, action="export", user=None, detail="x" * 900)
    assert len(audit_events(engine).iloc[0]["detail"]) == 500
