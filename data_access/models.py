"""SQLAlchemy 2.x models.

Every table has an integer surrogate key. Natural keys from the import
contract are unique constraints. No participant email or name is stored:
participants are known only by an HMAC pseudonym (see ``pseudonym``).

Fact rows carry ``batch_id``, the import batch that inserted them, so that a
batch (including the demo batch) can be removed as a whole.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --- reference tables -------------------------------------------------------


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    nation: Mapped[str] = mapped_column(String(40))
    nhse_region: Mapped[str | None] = mapped_column(String(60))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    is_training_region: Mapped[bool] = mapped_column(Boolean)
    sort_order: Mapped[int] = mapped_column(Integer)


class Stage(Base):
    __tablename__ = "stage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    label: Mapped[str] = mapped_column(String(60))
    stage_group: Mapped[str] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(Integer)


class EventType(Base):
    __tablename__ = "event_type"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer)


class OutcomeMeasure(Base):
    __tablename__ = "outcome_measure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(16))
    sort_order: Mapped[int] = mapped_column(Integer)


class MwresIndicator(Base):
    __tablename__ = "mwres_indicator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    label: Mapped[str] = mapped_column(String(200))


# --- provenance -------------------------------------------------------------


class ImportBatch(Base):
    """One import of one file (or one demo seeding)."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    imported_by: Mapped[str | None] = mapped_column(String(120))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ImportChange(Base):
    """The previous values of a row that an import updated, so an undo can
    restore them. Inserted rows are found by their ``batch_id`` instead."""

    __tablename__ = "import_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[int] = mapped_column(Integer)
    previous: Mapped[dict] = mapped_column(JSON)


class AppMeta(Base):
    """Key/value facts about the data, e.g. the data version used to
    invalidate caches."""

    __tablename__ = "app_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


# --- facts ------------------------------------------------------------------

event_mwres = Table(
    "event_mwres",
    Base.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("mwres_indicator.id"), primary_key=True),
    Index("ix_event_mwres_indicator", "indicator_id"),
)


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    event_type_id: Mapped[int] = mapped_column(ForeignKey("event_type.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(16), default="virtual")
    # NULL means a national event.
    host_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        CheckConstraint("delivery IN ('virtual', 'in_person', 'hybrid')", name="ck_event_delivery"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="ck_event_capacity"),
        Index("ix_event_date_type", "date", "event_type_id"),
    )


class Participant(Base):
    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Hex HMAC-SHA256 of the normalised email: never the email itself.
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)


class Attendance(Base):
    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    attended: Mapped[bool] = mapped_column(Boolean)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        UniqueConstraint("event_id", "participant_id", name="uq_attendance_event_participant"),
        # Covering index for the KPI and breakdown aggregates.
        Index(
            "ix_attendance_event_cover",
            "event_id", "region_id", "stage_id", "attended", "participant_id",
        ),
        Index("ix_attendance_participant", "participant_id", "event_id", "attended", "region_id", "stage_id"),
    )


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # response_id from the file, else a hash of the normalised row.
    response_key: Mapped[str] = mapped_column(String(80), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    submitted: Mapped[dt.date | None] = mapped_column(Date)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    would_recommend: Mapped[bool | None] = mapped_column(Boolean)
    comments: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_feedback_rating"),
        Index("ix_feedback_event_cover", "event_id", "region_id", "stage_id", "rating"),
        # Deleting participants (undo, clear-demo) checks this foreign key.
        Index("ix_feedback_participant", "participant_id"),
    )


class Rep(Base):
    __tablename__ = "rep"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Reps are public volunteers: the name is the only personal field kept.
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    role: Mapped[str] = mapped_column(String(16), default="rep")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        UniqueConstraint("name", "region_id", "start_date", name="uq_rep_natural"),
        CheckConstraint("role IN ('lead', 'rep', 'deputy')", name="ck_rep_role"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_rep_dates"),
        Index("ix_rep_region_dates", "region_id", "start_date", "end_date"),
    )


class Outcome(Base):
    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("outcome_measure.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))
    # 1 = the event the measure's rate counts (pass, unsatisfactory ARCP,
    # offer), 0 = not, NULL = excluded from the denominator.
    flag: Mapped[int | None] = mapped_column(SmallInteger)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        UniqueConstraint("participant_id", "measure_id", "date", name="uq_outcome_natural"),
        Index("ix_outcome_measure_date", "measure_id", "date", "region_id", "stage_id", "flag"),
    )


class Benchmark(Base):
    """Published national comparison figures, e.g. GMC pass rates by PMQ."""

    __tablename__ = "benchmark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    measure_id: Mapped[int] = mapped_column(ForeignKey("outcome_measure.id"))
    group_label: Mapped[str] = mapped_column(String(120))
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    # The published report's web address, when one was given.
    source_url: Mapped[str | None] = mapped_column(String(500))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    __table_args__ = (
        UniqueConstraint("year", "measure_id", "group_label", "source", name="uq_benchmark_natural"),
        CheckConstraint("numerator >= 0 AND denominator >= numerator", name="ck_benchmark_counts"),
    )


# --- access control ---------------------------------------------------------


class AuditEvent(Base):
    """Who did what and when: logins, failed logins, imports, undos and
    exports. Never holds participant data or passwords."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # The account name or single-sign-on email of the dashboard user.
    user: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500), default="")


class LoginAttempt(Base):
    """One password login attempt, kept so that throttling holds across
    sessions and server restarts."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_login_attempt_username_time", "username", "attempted_at"),)


class ColumnMapping(Base):
    """How the columns of one export source (e.g. "Zoom webinar report") map
    onto one kind's contract fields: ``mapping`` is {file header: field}."""

    __tablename__ = "column_mapping"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("source_name", "kind", name="uq_column_mapping_source_kind"),)


# --- background imports -----------------------------------------------------


class ImportJob(Base):
    """One import started from the Data page and run by a worker process
    (``python -m data_access import-job ID``). Its state lives here, not in
    any app process, so every process sharing the database sees it."""

    __tablename__ = "import_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The name the person uploaded, and where its bytes wait for the worker.
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(1000))
    # Keyword arguments for ``importers.import_file`` (JSON only).
    options: Mapped[dict] = mapped_column(JSON)
    # The column choices are remembered under this name once imported.
    source_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress_rows: Mapped[int] = mapped_column(Integer, default=0)
    progress_fraction: Mapped[float] = mapped_column(Float, default=0.0)
    progress_text: Mapped[str] = mapped_column(String(200), default="")
    batch_id: Mapped[int | None] = mapped_column(Integer)
    rows_read: Mapped[int | None] = mapped_column(Integer)
    rows_inserted: Mapped[int | None] = mapped_column(Integer)
    rows_updated: Mapped[int | None] = mapped_column(Integer)
    rows_unchanged: Mapped[int | None] = mapped_column(Integer)
    problems: Mapped[list | None] = mapped_column(JSON)
    notices: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    who: Mapped[str | None] = mapped_column(String(120))
    worker_host: Mapped[str | None] = mapped_column(String(255))
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'checking', 'writing', 'done', 'refused', 'failed')",
                        name="ck_import_job_status"),
    )
