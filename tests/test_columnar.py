"""The columnar snapshot answers every dashboard query exactly as the database
does, after every kind of write, and is never handed out for another data version."""

from __future__ import annotations

import datetime as dt
import os
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from data_access import columnar, demo, importers
from data_access.backup import backup, restore
from data_access.db import make_engine, migrate, normalise_url
from data_access.filters import Filters
from data_access.kpis import compute_kpis
from data_access.queries import attainment, coverage, feedback, reach, trends
from data_access.queries import meta
from data_access.queries.meta import data_version, database_id

AS_OF = dt.date(2026, 6, 30)

# Every query the pages run with filters, by name; extra arguments bound.
QUERIES = {
    "compute_kpis": partial(compute_kpis, as_of=AS_OF),
    "reach_by_month": reach.reach_by_month,
    "attendances_by_month_and_type": reach.attendances_by_month_and_type,
    "attendances_by_region": reach.attendances_by_region,
    "attendances_by_stage": reach.attendances_by_stage,
    "conversion_by_event_type": reach.conversion_by_event_type,
    "new_vs_returning_by_month": reach.new_vs_returning_by_month,
    "cumulative_unique_reach": reach.cumulative_unique_reach,
    "events_table": reach.events_table,
    "rating_distribution_by_type": feedback.rating_distribution_by_type,
    "excellent_by_month": feedback.excellent_by_month,
    "response_rate_by_event_type": feedback.response_rate_by_event_type,
    "mean_rating_by_event": feedback.mean_rating_by_event,
    "comments": feedback.comments,
    "comments_search": partial(feedback.comments, search="session"),
    "region_coverage": partial(coverage.region_coverage, as_of=AS_OF),
    "reps_table": partial(coverage.reps_table, as_of=AS_OF),
    "regions_covered_by_month": partial(coverage.regions_covered_by_month, today=AS_OF),
    "outcome_rates_by_year": attainment.outcome_rates_by_year,
    "outcome_rates_by_engagement": attainment.outcome_rates_by_engagement,
    "mwres_reach": attainment.mwres_reach,
    "outcomes_by_quarter": trends.outcomes_by_quarter,
    "data_dates": meta.data_dates,
}
FILTER_SETS = [
    Filters(),
    Filters(date_from=dt.date(2025, 7, 1), date_to=AS_OF),
    Filters(regions=("LDN", "UNK"), stages=("st1", "st2", "st3")),
    Filters(event_types=("induction", "exam_prep"), date_from=dt.date(2025, 1, 15)),
    Filters(regions=("SCN",), date_to=dt.date(2024, 3, 31)),
]
REGIONS = ("LDN", "KSS", "NW", "SCN", "WAL", "OVS", "UNK")
STAGES = ("pre_nhs", "st1", "st2", "st4", "st7", "sas", "unknown")
EVENT_TYPES = ("induction", "exam_prep", "arcp_portfolio", "mentoring")


def assert_same(ours, theirs) -> None:
    """Fail unless two query results are equal: frames cell by cell and dtype by dtype."""
    if isinstance(ours, pd.DataFrame):
        pd.testing.assert_frame_equal(theirs, ours)
    else:
        assert theirs == ours


def assert_snapshot_agrees(engine, snapshot, filter_sets=FILTER_SETS) -> None:
    """Fail unless every query gives the same result on the snapshot as on the database."""
    for filters in filter_sets:
        for name, query in QUERIES.items():
            try:
                assert_same(query(snapshot.engine, filters=filters), query(engine, filters=filters))
            except AssertionError as error:
                raise AssertionError(f"{name} with {filters} differs: {error}") from None


@pytest.fixture
def seeded(engine):
    """The test database with the small demo data set."""
    demo.seed_demo(engine, scale="small", anchor=AS_OF)
    yield engine
    columnar.forget_snapshots()


def write_csv(path, text_: str):
    path.write_text(text_, encoding="utf-8")
    return path


def import_more(engine, key, tmp_path, *, name: str = "more"):
    """Import one new event with three attendances and a comment; return the batch id."""
    events = write_csv(tmp_path / f"{name}-events.csv",
                       "event_id,title,event_type,date\n"
                       f"{name}-1,Extra session,induction,2026-05-20\n")
    attendance = write_csv(tmp_path / f"{name}-attendance.csv",
                           "event_id,email,attended,region,stage\n"
                           f"{name}-1,a-{name}@example.org,yes,LDN,st1\n"
                           f"{name}-1,b-{name}@example.org,yes,LDN,st2\n"
                           f"{name}-1,c-{name}@example.org,no,NW,st1\n")
    feedback_file = write_csv(tmp_path / f"{name}-feedback.csv",
                              "event_id,rating,comments,region,stage\n"
                              f"{name}-1,5,A useful session,LDN,st1\n")
    for kind, path in (("events", events), ("attendance", attendance), ("feedback", feedback_file)):
        result = importers.import_file(engine, kind=kind, path=path, key=key)
        assert result.problems == []
    return result.batch_id


def test_snapshot_answers_every_query_as_the_database_does(seeded):
    """Every page query gives identical rows on the snapshot and on the database, for several filters."""
    assert_snapshot_agrees(seeded, columnar.take_snapshot(seeded))


def test_snapshot_records_the_data_version_it_copied(seeded):
    """The snapshot is labelled with the data version of the rows it holds."""
    assert columnar.take_snapshot(seeded).data_version == data_version(seeded) > 0


def test_snapshot_of_an_empty_database_agrees(engine):
    """With no facts at all every query gives the same empty answer on the snapshot."""
    assert_snapshot_agrees(engine, columnar.take_snapshot(engine))


def test_snapshot_agrees_after_import_and_reimport(seeded, key, tmp_path):
    """After an import, and the same files imported again, the snapshot matches the database."""
    import_more(seeded, key, tmp_path)
    assert_snapshot_agrees(seeded, columnar.take_snapshot(seeded), FILTER_SETS[:2])
    import_more(seeded, key, tmp_path)
    assert_snapshot_agrees(seeded, columnar.take_snapshot(seeded), FILTER_SETS[:2])


def test_snapshot_agrees_after_an_update_and_its_undo(seeded, key, tmp_path):
    """An import that changes stored rows, then its undo, each leave a snapshot equal to the database."""
    import_more(seeded, key, tmp_path)
    changed = write_csv(tmp_path / "changed.csv",
                        "event_id,email,attended,region,stage\nmore-1,c-more@example.org,yes,KSS,st4\n")
    result = importers.import_file(seeded, kind="attendance", path=changed, key=key)
    assert result.updated == 1
    assert_snapshot_agrees(seeded, columnar.take_snapshot(seeded), FILTER_SETS[:2])
    importers.undo_batch(seeded, batch_id=result.batch_id)
    assert_snapshot_agrees(seeded, columnar.take_snapshot(seeded), FILTER_SETS[:2])


def test_snapshot_agrees_after_clear_demo(seeded, key, tmp_path):
    """Removing the demo data leaves a snapshot holding only the imported rows, like the database."""
    import_more(seeded, key, tmp_path)
    assert demo.clear_demo(seeded) > 0
    snapshot = columnar.take_snapshot(seeded)
    assert_snapshot_agrees(seeded, snapshot, FILTER_SETS[:2])
    assert compute_kpis(snapshot.engine, filters=Filters(), as_of=AS_OF)["registrations"] == 3


def restore_url(engine_url: str, tmp_path) -> str:
    """Return the URL of a second, empty database on the same backend as ``engine_url``."""
    if engine_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = re.search(r"search_path%3D(\w+)", engine_url).group(1)[:52] + "_c"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def test_snapshot_agrees_after_restore(seeded, engine_url, tmp_path):
    """A snapshot of a restored database answers like the original database."""
    backup(seeded, path=tmp_path / "backup.zip")
    target = make_engine(restore_url(engine_url, tmp_path))
    try:
        restore(target, path=tmp_path / "backup.zip")
        snapshot = columnar.take_snapshot(target)
        assert_snapshot_agrees(target, snapshot, FILTER_SETS[:2])
        assert_snapshot_agrees(seeded, snapshot, FILTER_SETS[:2])
    finally:
        target.dispose()


@st.composite
def filter_values(draw):
    """Any combination of the global filters, dates included."""
    date_from = draw(st.none() | st.dates(dt.date(2022, 1, 1), AS_OF))
    date_to = draw(st.none() | st.dates(date_from or dt.date(2022, 1, 1), dt.date(2027, 1, 1)))
    return Filters(
        regions=tuple(draw(st.sets(st.sampled_from(REGIONS), max_size=3))),
        stages=tuple(draw(st.sets(st.sampled_from(STAGES), max_size=3))),
        event_types=tuple(draw(st.sets(st.sampled_from(EVENT_TYPES), max_size=2))),
        date_from=date_from,
        date_to=date_to,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filter_values())
def test_snapshot_agrees_for_any_filters(seeded_snapshot, filters):
    """Property: for any filters, every query gives the same rows on the snapshot and the database."""
    engine, snapshot = seeded_snapshot
    assert_snapshot_agrees(engine, snapshot, [filters])


@pytest.fixture
def seeded_snapshot(seeded):
    """The seeded database and one snapshot of it, shared by a property's examples."""
    return seeded, columnar.take_snapshot(seeded)


def test_engine_at_serves_only_the_version_asked_for(seeded, key, tmp_path):
    """After a write the old snapshot is never handed out: the new version gets a new copy."""
    before = data_version(seeded)
    old = columnar.engine_at(seeded, data_version=before, wait=True)
    assert old is not None
    import_more(seeded, key, tmp_path)
    after = data_version(seeded)
    assert after > before
    new = columnar.engine_at(seeded, data_version=after, wait=True)
    assert new is not None and new is not old
    def figures(engine):
        return compute_kpis(engine, filters=Filters(), as_of=AS_OF)

    assert figures(new) == figures(seeded) != figures(old)


def test_engine_at_never_serves_a_snapshot_to_an_older_version(seeded, key, tmp_path):
    """A caller still holding an older data version is sent to the database, not to a newer copy."""
    before = data_version(seeded)
    import_more(seeded, key, tmp_path)
    assert columnar.engine_at(seeded, data_version=data_version(seeded), wait=True) is not None
    assert columnar.engine_at(seeded, data_version=before, wait=True) is None


def test_engine_at_without_waiting_answers_none_until_the_copy_is_ready(seeded):
    """The first request starts a copy and returns at once; the database answers until it is ready."""
    version = data_version(seeded)
    first = columnar.engine_at(seeded, data_version=version)
    ready = columnar.engine_at(seeded, data_version=version, wait=True)
    assert first is None and ready is not None


def test_engine_at_has_no_snapshot_of_in_memory_sqlite():
    """An in-memory SQLite database cannot be opened twice, so its queries stay on it."""
    memory = make_engine("sqlite://")
    assert columnar.engine_at(memory, data_version=1, wait=True) is None


def test_copies_that_saw_different_commits_are_redone(seeded, monkeypatch):
    """When the two copying connections report different data versions, the copy is redone whole."""
    copy_tables = columnar._copy_tables
    calls = []

    def attendance_saw_an_older_commit(source, database, tables):
        calls.append(tuple(table.name for table in tables))
        version = copy_tables(source, database, tables)
        return version - 1 if tables == (columnar.Attendance.__table__,) else version

    monkeypatch.setattr(columnar, "_copy_tables", attendance_saw_an_older_commit)
    snapshot = columnar.take_snapshot(seeded)
    assert len(calls) == 3 and calls[2] == tuple(table.name for table in columnar.TABLES)
    assert snapshot.data_version == data_version(seeded)
    assert_snapshot_agrees(seeded, snapshot, FILTER_SETS[:2])


@pytest.fixture
def copies(monkeypatch):
    """Count the copies of a database into a snapshot (``copies.count``)."""
    copy_in_parallel = columnar._copy_in_parallel
    calls = []

    def counted(source, database):
        calls.append(source)
        return copy_in_parallel(source, database)

    monkeypatch.setattr(columnar, "_copy_in_parallel", counted)
    return calls


def snapshot_figures(engine, version):
    """Return the KPIs from the snapshot ``engine_at`` hands out for ``version``."""
    snapshot = columnar.engine_at(engine, data_version=version, wait=True)
    assert snapshot is not None
    return compute_kpis(snapshot, filters=Filters(), as_of=AS_OF)


def test_restart_opens_the_snapshot_file_without_copying(seeded, copies):
    """A process that starts after the snapshot was written opens its file instead of copying again."""
    version = data_version(seeded)
    snapshot_figures(seeded, version)
    columnar.forget_snapshots()
    figures = snapshot_figures(seeded, version)
    assert len(copies) == 1
    assert figures == compute_kpis(seeded, filters=Filters(), as_of=AS_OF)


def test_snapshot_file_of_another_version_is_not_used(seeded, copies, key, tmp_path):
    """A file holding another data version, put under the current version's name, is rebuilt, not served."""
    old = columnar.take_snapshot(seeded)
    import_more(seeded, key, tmp_path)
    columnar.forget_snapshots()
    current = columnar.snapshot_path(
        seeded, database_id=database_id(seeded), data_version=data_version(seeded))
    current.write_bytes(old.path.read_bytes())
    figures = snapshot_figures(seeded, data_version(seeded))
    assert len(copies) == 2
    assert figures == compute_kpis(seeded, filters=Filters(), as_of=AS_OF) != compute_kpis(
        old.engine, filters=Filters(), as_of=AS_OF)


def test_snapshot_file_of_another_database_is_not_used(seeded, copies, engine_url, tmp_path):
    """A file made from another database with the same version is never opened for this one."""
    other = make_engine(restore_url(engine_url, tmp_path))
    try:
        migrate(other)
        demo.seed_demo(other, scale="small", anchor=AS_OF - dt.timedelta(days=400))
        with seeded.begin() as conn:
            conn.execute(text("UPDATE app_meta SET value = :v WHERE key = 'data_version'"),
                         {"v": str(data_version(other))})
        theirs = columnar.take_snapshot(other)
        ours = columnar.snapshot_path(
            seeded, database_id=database_id(seeded), data_version=data_version(other))
        ours.write_bytes(theirs.path.read_bytes())
        columnar.forget_snapshots()
        figures = snapshot_figures(seeded, data_version(seeded))
        assert len(copies) == 2
        assert figures == compute_kpis(seeded, filters=Filters(), as_of=AS_OF)
    finally:
        other.dispose()


def test_corrupt_snapshot_file_is_rebuilt_not_served(seeded, copies):
    """A damaged or half-written file under the right name is copied again, and the copy is served."""
    version = data_version(seeded)
    path = columnar.snapshot_path(seeded, database_id=database_id(seeded), data_version=version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"DUCK" + bytes(5000))
    figures = snapshot_figures(seeded, version)
    assert len(copies) == 1
    assert figures == compute_kpis(seeded, filters=Filters(), as_of=AS_OF)


def test_new_snapshot_file_replaces_older_versions(seeded, key, tmp_path):
    """Once a newer version's file is in place, the database's older files are deleted."""
    old = columnar.take_snapshot(seeded)
    import_more(seeded, key, tmp_path)
    new = columnar.take_snapshot(seeded)
    assert new.path.exists() and not old.path.exists()


def test_processes_sharing_the_folder_copy_once(seeded, copies):
    """Several builders at once (other processes, here threads) copy the database once; the rest open the file."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        snapshots = list(pool.map(lambda _: columnar.open_or_take_snapshot(seeded), range(3)))
    assert len(copies) == 1
    assert {snapshot.path for snapshot in snapshots} == {snapshots[0].path}


def test_partial_files_of_a_dead_builder_are_removed(seeded):
    """A half-built file left by a process that died mid-copy is deleted by the next build."""
    version = data_version(seeded)
    final = columnar.snapshot_path(seeded, database_id=database_id(seeded), data_version=version)
    final.parent.mkdir(parents=True, exist_ok=True)
    left_over = final.parent / f".{final.name.split('-v')[0]}-building-dead.duckdb"
    left_over.write_bytes(bytes(4096))
    snapshot = columnar.open_or_take_snapshot(seeded)
    assert snapshot.path == final and not left_over.exists()
