"""Undoing an import with its audit entry (data_access.batches.undo_import),
the one path the Data page and the Records page share."""

from __future__ import annotations

import pytest

from data_access import importers
from data_access.audit import audit_events
from data_access.batches import batch_history, undo_import

USER = "admin@example.nhs.uk"
EVENTS_CSV = ("event_id,title,event_type,date\n"
              "U1,Induction,induction,2025-03-04\n"
              "U2,ARCP webinar,arcp_portfolio,2025-03-05\n")


def test_undo_import_deletes_the_rows_and_audits_who_and_what(engine, tmp_path):
    """Undoing an import removes its rows and records one undo entry naming the import, file and count."""
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    batch_id = importers.import_file(engine, kind="events", path=path, key=b"k").batch_id
    assert undo_import(engine, batch_id=batch_id, user=USER) == 2
    assert batch_history(engine).loc[0, "undone_at"] is not None
    audit = audit_events(engine, actions=("undo",))
    assert list(audit["user"]) == [USER]
    assert audit.loc[0, "detail"] == f"import {batch_id} (events.csv): 2 rows deleted or restored"


def test_undo_import_that_cannot_be_undone_changes_nothing_and_audits_nothing(engine):
    """An unknown import is refused with the importer's reason and leaves no audit entry."""
    with pytest.raises(importers.UndoError, match="there is no import batch 999"):
        undo_import(engine, batch_id=999, user=USER)
    assert audit_events(engine, actions=("undo",)).empty
