"""Insert fact rows directly with SQLAlchemy Core, for tests.

Query and KPI tests build small, hand-checkable databases with this helper,
so they do not depend on the importers. Events are referred to by their
natural key (``event_id`` in the import files) and participants by a short
label such as ``"p1"``; the helper pseudonymises ``<label>@example.org``
exactly as an import would, so no email is ever stored.

Every row gets an ``ImportBatch``: one batch per kind, created on first use.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, Table, insert, select

from data_access.models import (
    Attendance,
    Event,
    EventType,
    Feedback,
    ImportBatch,
    MwresIndicator,
    Outcome,
    OutcomeMeasure,
    Participant,
    Region,
    Rep,
    Stage,
    event_mwres,
)
from data_access.pseudonym import pseudonymise
from data_access.reference import outcome_flag

FACTORY_KEY = b"factories-test-key-not-secret"

attendance_t: Table = Attendance.__table__
event_t: Table = Event.__table__
feedback_t: Table = Feedback.__table__
batch_t: Table = ImportBatch.__table__
outcome_t: Table = Outcome.__table__
participant_t: Table = Participant.__table__
rep_t: Table = Rep.__table__


class FactRows:
    """Inserts events, participants, attendance, feedback, reps and outcomes
    into a migrated database; each method returns the new row's surrogate id."""

    def __init__(self, engine: Engine, *, key: bytes = FACTORY_KEY, is_demo: bool = False) -> None:
        self.engine = engine
        self.key = key
        self.is_demo = is_demo
        self._batch_ids: dict[str, int] = {}
        self._event_ids: dict[str, int] = {}
        self._participant_ids: dict[str, int] = {}
        self._feedback_count = 0
        with engine.connect() as conn:
            self._region_ids = dict(conn.execute(select(Region.code, Region.id)).all())
            self._stage_ids = dict(conn.execute(select(Stage.code, Stage.id)).all())
            self._event_type_ids = dict(conn.execute(select(EventType.code, EventType.id)).all())
            self._indicator_ids = dict(conn.execute(select(MwresIndicator.code, MwresIndicator.id)).all())
            self._measures = {
                code: (measure_id, category)
                for code, measure_id, category in conn.execute(
                    select(OutcomeMeasure.code, OutcomeMeasure.id, OutcomeMeasure.category)
                )
            }

    def batch(self, *, kind: str) -> int:
        """Return the id of this helper's import batch for ``kind``, creating it once."""
        if kind not in self._batch_ids:
            self._batch_ids[kind] = self._insert(
                batch_t,
                kind=kind,
                file_name=f"factory-{kind}.csv",
                imported_at=dt.datetime(2026, 1, 1, 12, 0),
                is_demo=self.is_demo,
                rows_read=0,
                rows_inserted=0,
                rows_updated=0,
                rows_unchanged=0,
            )
        return self._batch_ids[kind]

    def event(
        self,
        *,
        key: str,
        date: dt.date,
        event_type: str = "induction",
        title: str | None = None,
        delivery: str = "virtual",
        host_region: str | None = None,
        capacity: int | None = None,
        mwres_indicators: tuple[str, ...] = (),
    ) -> int:
        """Insert an event; ``host_region`` None means a national event."""
        event_id = self._insert(
            event_t,
            event_key=key,
            title=title or f"Event {key}",
            event_type_id=self._event_type_ids[event_type],
            date=date,
            delivery=delivery,
            host_region_id=None if host_region is None else self._region_ids[host_region],
            capacity=capacity,
            batch_id=self.batch(kind="events"),
        )
        if mwres_indicators:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(event_mwres),
                    [{"event_id": event_id, "indicator_id": self._indicator_ids[code]}
                     for code in mwres_indicators],
                )
        self._event_ids[key] = event_id
        return event_id

    def participant(self, *, person: str) -> int:
        """Return the participant id for the label ``person``, inserting it once."""
        if person not in self._participant_ids:
            self._participant_ids[person] = self._insert(
                participant_t,
                pseudonym=pseudonymise(f"{person}@example.org", key=self.key),
                batch_id=self.batch(kind="participants"),
            )
        return self._participant_ids[person]

    def attendance(
        self,
        *,
        event: str,
        person: str,
        attended: bool = True,
        region: str = "UNK",
        stage: str = "unknown",
    ) -> int:
        """Insert one registration of ``person`` for the event with key ``event``."""
        return self._insert(
            attendance_t,
            event_id=self._event_ids[event],
            participant_id=self.participant(person=person),
            attended=attended,
            region_id=self._region_ids[region],
            stage_id=self._stage_ids[stage],
            batch_id=self.batch(kind="attendance"),
        )

    def feedback(
        self,
        *,
        event: str,
        rating: int,
        region: str = "UNK",
        stage: str = "unknown",
        comments: str | None = None,
        person: str | None = None,
        submitted: dt.date | None = None,
        would_recommend: bool | None = None,
        response_key: str | None = None,
    ) -> int:
        """Insert one feedback response; anonymous unless ``person`` is given."""
        self._feedback_count += 1
        return self._insert(
            feedback_t,
            response_key=response_key or f"factory-response-{self._feedback_count}",
            event_id=self._event_ids[event],
            rating=rating,
            submitted=submitted,
            participant_id=None if person is None else self.participant(person=person),
            region_id=self._region_ids[region],
            stage_id=self._stage_ids[stage],
            would_recommend=would_recommend,
            comments=comments,
            batch_id=self.batch(kind="feedback"),
        )

    def rep(
        self,
        *,
        name: str,
        region: str,
        start_date: dt.date,
        end_date: dt.date | None = None,
        role: str = "rep",
    ) -> int:
        """Insert a regional rep serving from ``start_date`` to ``end_date`` (None: still serving)."""
        return self._insert(
            rep_t,
            name=name,
            region_id=self._region_ids[region],
            role=role,
            start_date=start_date,
            end_date=end_date,
            batch_id=self.batch(kind="reps"),
        )

    def outcome(
        self,
        *,
        person: str,
        measure: str,
        date: dt.date,
        result: str,
        region: str = "UNK",
        stage: str = "unknown",
    ) -> int:
        """Insert an outcome, with its rate flag derived as an import would."""
        measure_id, category = self._measures[measure]
        return self._insert(
            outcome_t,
            participant_id=self.participant(person=person),
            measure_id=measure_id,
            date=date,
            result=result,
            flag=outcome_flag(category, result),
            region_id=self._region_ids[region],
            stage_id=self._stage_ids[stage],
            batch_id=self.batch(kind="outcomes"),
        )

    def _insert(self, table: Table, **values) -> int:
        with self.engine.begin() as conn:
            return conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
