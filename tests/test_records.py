"""Records kept in the app (data_access.records): events, the reps roster and
benchmarks saved through the importer's checks, as audited, undoable batches."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import inspect, select

from data_access import importers, records
from data_access.queries import attainment
from data_access.audit import audit_events
from data_access.batches import batch_history
from data_access.db import migrate
from data_access.models import Benchmark, Event, Rep
from tests.factories import FactRows

USER = "admin@example.nhs.uk"
EVENT = {
    "event_id": "SL-2025-014", "title": "ARCP evidence clinic", "event_type": "arcp_portfolio",
    "date": dt.date(2025, 3, 4), "delivery": "hybrid", "host_region": "LDN",
    "mwres_indicators": ["1b", "1c"], "capacity": 40,
}
BENCHMARK = {
    "year": 2024, "measure": "mrcpch_tas", "group": "IMGs", "numerator": 130, "denominator": 520,
    "source": "GMC progression report 2024", "source_url": "https://www.gmc-uk.org/progression-report",
}


def problem_text(message: str) -> str:
    """Return a problem message without its leading "row N, " (a file and a table number rows differently)."""
    return message.split(", ", 1)[1]


def csv_problems(engine, tmp_path, kind: str, csv_text: str) -> list[str]:
    """Return the problems ``importers.import_file`` reports for ``csv_text`` as a ``kind`` file."""
    path = tmp_path / f"{kind}.csv"
    path.write_text(csv_text)
    return importers.import_file(engine, kind=kind, path=path, key=b"unused").problems


def test_suggested_event_id_is_the_next_free_number_in_the_year(engine):
    """SL-<year>-<n>: one above the year's highest number, 001 in a year with none."""
    facts = FactRows(engine)
    for key in ("SL-2025-001", "SL-2025-013", "SL-2024-020", "SL-2025-extra", "demo-small-00001"):
        facts.event(key=key, date=dt.date(2025, 1, 10))
    assert records.suggested_event_id(engine, year=2025) == "SL-2025-014"
    assert records.suggested_event_id(engine, year=2026) == "SL-2026-001"


def test_adding_an_event_stores_every_field(engine):
    """A new event is stored with its type, delivery, host region, indicators and capacity."""
    change = records.save_event(engine, values=EVENT, adding=True, user=USER)
    assert change.problems == []
    assert records.event_values(engine, event_id="SL-2025-014") == EVENT


def test_event_change_is_an_audited_batch_in_the_import_history(engine):
    """Saving an event records an import batch named after the Records page and a record_edit audit event."""
    change = records.save_event(engine, values=EVENT, adding=True, user=USER)
    history = batch_history(engine)
    assert history.loc[0, "id"] == change.result.batch_id
    assert history.loc[0, "file_name"] == "Records page: event SL-2025-014"
    assert history.loc[0, "imported_by"] == USER
    audit = audit_events(engine, actions=("record_edit",))
    assert audit.loc[0, "user"] == USER
    assert f"import {change.result.batch_id}" in audit.loc[0, "detail"]


def test_undoing_an_added_event_removes_it(engine):
    """Undo deletes the added event and drops the change from the Records page's list."""
    change = records.save_event(engine, values=EVENT, adding=True, user=USER)
    assert records.record_changes(engine)["id"].tolist() == [change.result.batch_id]
    records.undo_record_change(engine, batch_id=change.result.batch_id, user=USER)
    assert records.event_values(engine, event_id="SL-2025-014") is None
    assert records.record_changes(engine).empty
    assert audit_events(engine, actions=("undo",)).loc[0, "user"] == USER


def test_editing_an_event_keeps_its_attendance(engine):
    """Changing an event's title and date updates it in place: its registrations stay attached."""
    facts = FactRows(engine)
    facts.event(key="SL-2025-003", date=dt.date(2025, 2, 1), title="Induction")
    facts.attendance(event="SL-2025-003", person="p1", attended=True)
    facts.attendance(event="SL-2025-003", person="p2", attended=False)
    edited = {**records.event_values(engine, event_id="SL-2025-003"), "title": "Winter induction",
              "date": dt.date(2025, 2, 8)}
    change = records.save_event(engine, values=edited, adding=False, user=USER)
    assert (change.result.inserted, change.result.updated) == (0, 1)
    assert records.attendance_count(engine, event_id="SL-2025-003") == 2
    assert records.event_values(engine, event_id="SL-2025-003")["title"] == "Winter induction"


def test_undoing_an_event_edit_restores_the_previous_values(engine):
    """Undo of an edit puts back the old title and keeps the attendance."""
    facts = FactRows(engine)
    facts.event(key="SL-2025-003", date=dt.date(2025, 2, 1), title="Induction")
    facts.attendance(event="SL-2025-003", person="p1", attended=True)
    edited = {**records.event_values(engine, event_id="SL-2025-003"), "title": "Winter induction"}
    change = records.save_event(engine, values=edited, adding=False, user=USER)
    records.undo_record_change(engine, batch_id=change.result.batch_id, user=USER)
    assert records.event_values(engine, event_id="SL-2025-003")["title"] == "Induction"
    assert records.attendance_count(engine, event_id="SL-2025-003") == 1


def test_adding_an_event_with_a_taken_id_is_refused(engine):
    """Adding never overwrites another event that has the same id."""
    FactRows(engine).event(key="SL-2025-014", date=dt.date(2025, 1, 10), title="Original")
    change = records.save_event(engine, values=EVENT, adding=True, user=USER)
    assert "already taken" in change.problems[0]
    assert records.event_values(engine, event_id="SL-2025-014")["title"] == "Original"


def test_event_problems_are_the_importers_and_nothing_is_written(engine, tmp_path):
    """An unknown type and a negative capacity give the importer's messages, and no batch."""
    bad = {**EVENT, "event_type": "Picnic", "capacity": -3}
    change = records.save_event(engine, values=bad, adding=True, user=USER)
    from_file = csv_problems(engine, tmp_path, "events",
                             "event_id,title,event_type,date,capacity\n"
                             "SL-2025-014,ARCP evidence clinic,Picnic,2025-03-04,-3\n")
    assert [problem_text(p) for p in change.problems] == [problem_text(p) for p in from_file]
    assert len(change.problems) == 2
    assert batch_history(engine).empty


def test_roster_lists_appointments_with_region_names(engine):
    """The roster shows each appointment with its region's name and open end date as None."""
    FactRows(engine).rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1), role="lead")
    assert records.roster(engine).to_dict("records") == [{
        "name": "Dr A. Example", "region": "West Midlands", "role": "lead",
        "start_date": dt.date(2024, 1, 1), "end_date": None,
    }]


def test_roster_edit_ends_a_term_changes_a_role_and_adds_a_rep(engine):
    """Only the changed and added rows are written: two updated in place, one inserted."""
    facts = FactRows(engine)
    facts.rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    facts.rep(name="Dr B. Sample", region="LDN", start_date=dt.date(2023, 5, 1))
    facts.rep(name="Dr C. Placeholder", region="NW", start_date=dt.date(2022, 9, 1))
    recorded = records.roster(engine)
    edited = recorded.copy()
    edited.loc[recorded["name"] == "Dr A. Example", "end_date"] = dt.date(2025, 6, 30)
    edited.loc[recorded["name"] == "Dr B. Sample", "role"] = "lead"
    new_rep = {"name": "Dr D. Newcomer", "region": "Wales", "role": None, "start_date": dt.date(2025, 7, 1),
               "end_date": None}
    edited = pd.concat([edited, pd.DataFrame([new_rep])], ignore_index=True)
    change = records.save_roster(engine, recorded=recorded, edited=edited, user=USER)
    assert (change.result.inserted, change.result.updated, change.result.unchanged) == (1, 2, 0)
    stored = {row.name: (row.role, row.end_date) for row in records.roster(engine).itertuples()}
    assert stored == {"Dr A. Example": ("rep", dt.date(2025, 6, 30)), "Dr B. Sample": ("lead", None),
                      "Dr C. Placeholder": ("rep", None), "Dr D. Newcomer": ("rep", None)}


def test_roster_reversed_dates_refused_with_the_importers_message(engine, tmp_path):
    """An end date before the start date is refused as the importer refuses it, and nothing changes."""
    FactRows(engine).rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    recorded = records.roster(engine)
    edited = recorded.assign(end_date=[dt.date(2023, 12, 31)])
    change = records.save_roster(engine, recorded=recorded, edited=edited, user=USER)
    from_file = csv_problems(engine, tmp_path, "reps",
                             "name,region,start_date,end_date\nDr A. Example,WM,2024-01-01,2023-12-31\n")
    assert change.problems[0].startswith("row 1, column end_date:")
    assert [problem_text(p) for p in change.problems] == [problem_text(p) for p in from_file]
    assert records.roster(engine)["end_date"].tolist() == [None]


def test_roster_overlap_with_a_recorded_appointment_is_refused_like_the_importer(engine, tmp_path):
    """A second appointment of one rep in one region that overlaps the open one is refused by both paths."""
    FactRows(engine).rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    recorded = records.roster(engine)
    overlapping = {"name": "Dr A. Example", "region": "West Midlands", "role": "lead",
                   "start_date": dt.date(2025, 1, 1), "end_date": None}
    edited = pd.concat([recorded, pd.DataFrame([overlapping])], ignore_index=True)
    change = records.save_roster(engine, recorded=recorded, edited=edited, user=USER)
    from_file = csv_problems(engine, tmp_path, "reps",
                             "name,region,role,start_date\nDr A. Example,West Midlands,lead,2025-01-01\n")
    assert change.problems[0].startswith("row 2, column start_date:")
    assert "overlap" in change.problems[0]
    assert [problem_text(p) for p in change.problems] == [problem_text(p) for p in from_file]
    assert len(records.roster(engine)) == 1


def test_importer_refuses_overlapping_appointments_within_a_file(engine, tmp_path):
    """Two rows of one rep in one region whose dates share a day are refused; back-to-back terms are not."""
    overlapping = csv_problems(engine, tmp_path, "reps",
                               "name,region,start_date,end_date\n"
                               "Dr A. Example,WM,2024-01-01,2024-12-31\n"
                               "Dr A. Example,WM,2024-12-31,\n")
    back_to_back = csv_problems(engine, tmp_path, "reps",
                                "name,region,start_date,end_date\n"
                                "Dr A. Example,WM,2024-01-01,2024-12-30\n"
                                "Dr A. Example,WM,2024-12-31,\n"
                                "Dr A. Example,LDN,2024-06-01,\n")
    assert [p.split(":")[0] for p in overlapping] == ["row 2, column start_date", "row 3, column start_date"]
    assert back_to_back == []


def test_roster_refuses_changing_a_recorded_key(engine):
    """Renaming a recorded appointment is refused: it would leave the old row and add a new one."""
    FactRows(engine).rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    recorded = records.roster(engine)
    change = records.save_roster(engine, recorded=recorded, edited=recorded.assign(name=["Dr A. Renamed"]),
                                 user=USER)
    assert change.problems[0].startswith("row 1: the name, region and start date")
    assert records.roster(engine)["name"].tolist() == ["Dr A. Example"]


def test_roster_with_no_change_writes_nothing(engine):
    """Saving an unchanged roster says so and records no batch."""
    FactRows(engine).rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    recorded = records.roster(engine)
    change = records.save_roster(engine, recorded=recorded, edited=recorded.copy(), user=USER)
    assert change.problems == ["nothing was changed in the roster"]
    assert batch_history(engine)["file_name"].str.startswith("Records page").sum() == 0


def test_benchmark_is_saved_with_its_link_and_undone(engine):
    """A benchmark keeps its source link; undo removes it."""
    change = records.save_benchmark(engine, values=BENCHMARK, user=USER)
    with engine.connect() as conn:
        stored = conn.execute(select(Benchmark.numerator, Benchmark.denominator, Benchmark.source_url)).all()
    assert [tuple(row) for row in stored] == [(130, 520, "https://www.gmc-uk.org/progression-report")]
    records.undo_record_change(engine, batch_id=change.result.batch_id, user=USER)
    with engine.connect() as conn:
        assert conn.execute(select(Benchmark.id)).first() is None


@pytest.mark.parametrize("link", ["javascript:alert(1)", "www.gmc-uk.org/report", "https://",
                                  "https://a b.org", "https://example.org/" + "x" * 500])
def test_benchmark_link_must_be_a_web_address_of_bounded_length(engine, link):
    """Links that are not http(s) addresses, or are too long, are refused and nothing is written."""
    change = records.save_benchmark(engine, values={**BENCHMARK, "source_url": link}, user=USER)
    assert len(change.problems) == 1
    assert "column source_url" in change.problems[0]
    assert batch_history(engine).empty


def test_benchmark_numerator_above_denominator_refused(engine):
    """The importer's count check applies to the form too."""
    change = records.save_benchmark(engine, values={**BENCHMARK, "numerator": 600}, user=USER)
    assert [problem_text(p) for p in change.problems] == [
        "column numerator: '600' — larger than the denominator (520)"]


def test_benchmark_link_updates_are_undone(engine, tmp_path):
    """Adding a link to an imported benchmark counts as an update, and undo takes the link away again."""
    path = tmp_path / "benchmarks.csv"
    path.write_text("year,measure,group,numerator,denominator,source\n"
                    "2024,mrcpch_tas,IMGs,130,520,GMC progression report 2024\n")
    assert importers.import_file(engine, kind="benchmarks", path=path, key=b"unused").problems == []
    change = records.save_benchmark(engine, values=BENCHMARK, user=USER)
    assert (change.result.inserted, change.result.updated) == (0, 1)
    records.undo_record_change(engine, batch_id=change.result.batch_id, user=USER)
    with engine.connect() as conn:
        assert conn.execute(select(Benchmark.source_url)).scalar_one() is None


def test_undo_refuses_an_import_not_made_on_the_records_page(engine, tmp_path):
    """A file import is undone on the Data page, not here."""
    path = tmp_path / "benchmarks.csv"
    path.write_text("year,measure,group,numerator,denominator,source\n2024,mrcpch_tas,IMGs,1,2,GMC\n")
    batch_id = importers.import_file(engine, kind="benchmarks", path=path, key=b"unused").batch_id
    with pytest.raises(records.RecordUndoError, match="not a change made on the Records page"):
        records.undo_record_change(engine, batch_id=batch_id, user=USER)


def test_migration_0004_adds_a_nullable_benchmark_source_url(engine):
    """Downgrading to 0003 drops the link column; upgrading adds it back as nullable."""
    from alembic import command

    from data_access.db import _alembic_config

    command.downgrade(_alembic_config(engine), "0003")
    assert "source_url" not in {c["name"] for c in inspect(engine).get_columns("benchmark")}
    migrate(engine)
    columns = {c["name"]: c for c in inspect(engine).get_columns("benchmark")}
    assert columns["source_url"]["nullable"] is True


def test_records_never_touch_other_tables_rows(engine):
    """Saving an event leaves reps and other events alone."""
    facts = FactRows(engine)
    facts.event(key="SL-2024-001", date=dt.date(2024, 5, 1), title="Older")
    facts.rep(name="Dr A. Example", region="WM", start_date=dt.date(2024, 1, 1))
    records.save_event(engine, values=EVENT, adding=True, user=USER)
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Event.event_key)).scalars()) == ["SL-2024-001", "SL-2025-014"]
        assert conn.execute(select(Rep.name)).scalars().all() == ["Dr A. Example"]


def test_benchmark_sources_list_each_report_with_its_years_and_link(engine):
    """About the data lists each source once per link, with the span of years and the number of figures."""
    url = "https://www.gmc-uk.org/progression-report"
    for year in (2023, 2024):
        figure = {**BENCHMARK, "year": year, "source": "GMC report", "source_url": url}
        records.save_benchmark(engine, values=figure, user=USER)
    unlinked = {**BENCHMARK, "year": 2022, "source": "RCPCH table", "source_url": ""}
    records.save_benchmark(engine, values=unlinked, user=USER)
    sources = attainment.benchmark_sources(engine)
    assert [tuple(row) for row in sources.itertuples(index=False)] == [
        ("GMC report", url, 2023, 2024, 2), ("RCPCH table", None, 2022, 2022, 1)]
