"""Property: whatever the file holds, import_file never raises and never half-imports."""

import csv
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from data_access import importers, models
from data_access.db import make_engine, migrate

KEY = b"property-test-pseudonym-key"
PLAUSIBLE = [
    "", "EV1", "EV2", "2025-03-01", "01/03/2025", "31/02/2025", "yes", "No", "maybe", "5", "Excellent", "0",
    "LDN", "Oxford", "Mars", "ST3", "st 9", "a@example.org", "B@Example.org", "anonymous", "exam", "arcp",
    "mrcpch_fop", "pass", "7.1", "offer", "National", "4a;4b", "=HYPERLINK(\"http://example.com\")", "-1",
]
# Values each field accepts, so that many generated tables import whole.
VALID = {
    "event_id": ["EV1", "EV2"], "title": ["Induction", "Café"],
    "event_type": ["induction", "Exam preparation"],
    "date": ["2025-03-01", "02/03/2025"], "delivery": ["virtual", ""], "host_region": ["National", "HEIW"],
    "mwres_indicators": ["4a;4b", ""], "capacity": ["150", ""], "email": ["a@example.org", "b@example.org"],
    "attended": ["yes", "n"], "region": ["LDN", "Northern", ""], "stage": ["ST3", "Trust grade", ""],
    "rating": ["5", "Very good"], "response_id": ["R1", "R2", ""], "submitted": ["2025-03-02", ""],
    "would_recommend": ["yes", ""], "comments": ["=SUM(1,1)", ""], "name": ["Jane Example", "Sam Example"],
    "start_date": ["2024-09-01"], "role": ["lead", ""], "end_date": ["2025-08-31", ""], "category": ["exam"],
    "measure": ["mrcpch_fop"], "result": ["pass", "fail"], "year": ["2024"],
    "group": ["IMGs", "UK graduates"],
    "numerator": ["40"], "denominator": ["100"], "source": ["GMC"],
    "source_url": ["https://www.gmc-uk.org/progression-report", ""],
}
TABLES = {"events": "event", "attendance": "attendance", "feedback": "feedback", "reps": "rep",
          "outcomes": "outcome", "benchmarks": "benchmark"}
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)


def cell(field):
    """Mostly valid values for ``field``, sometimes plausible or random text."""
    valid = st.sampled_from(VALID[field])
    return st.one_of(valid, valid, valid, valid, st.sampled_from(PLAUSIBLE), TEXT)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A SQLite database with events EV1 and EV2, shared by the examples."""
    path = tmp_path_factory.mktemp("property")
    eng = make_engine(f"sqlite:///{path / 'property.db'}")
    migrate(eng)
    events = path / "events.csv"
    events.write_text("event_id,title,event_type,date\nEV1,A,induction,2025-03-01\nEV2,B,other,2025-04-01\n")
    assert importers.import_file(eng, kind="events", path=events, key=KEY).problems == []
    yield eng
    eng.dispose()


def snapshot(engine):
    """Return every row of every table."""
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                for t in models.Base.metadata.sorted_tables}


def assert_all_or_nothing(engine, before, result, kind):
    """The result is either a refusal with nothing changed, or one whole batch."""
    event("refused" if result.problems else "imported")
    if result.problems:
        assert result.batch_id is None
        assert snapshot(engine) == before
        return
    target = models.Base.metadata.tables[TABLES[kind]]
    with engine.connect() as conn:
        batch = conn.execute(select(models.ImportBatch).where(models.ImportBatch.id == result.batch_id)).one()
        count = conn.execute(select(func.count()).select_from(target)).scalar_one()
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_unchanged) == (
        result.inserted, result.updated, result.unchanged)
    assert count == len(before[target.name]) + result.inserted


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(importers.KINDS), data=st.binary(max_size=400))
def test_random_bytes_never_crash_or_half_import(engine, tmp_path_factory, kind, data):
    """Random bytes as a file are imported whole or refused with nothing changed."""
    path = tmp_path_factory.mktemp("bytes") / "upload.csv"
    path.write_bytes(data)
    before = snapshot(engine)
    result = importers.import_file(engine, kind=kind, path=path, key=KEY)
    assert_all_or_nothing(engine, before, result, kind)


@PROPERTY_SETTINGS
@given(data=st.data(), kind=st.sampled_from(importers.KINDS))
def test_random_cells_never_crash_or_half_import(engine, tmp_path_factory, data, kind):
    """A table of the kind's columns with random cells is imported whole or refused."""
    required, optional = importers.FIELDS[kind]
    extra = data.draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    columns = [*required, *extra]
    cells = data.draw(st.lists(st.tuples(*(cell(c) for c in columns)), min_size=1, max_size=6))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([columns, *cells])
    path = tmp_path_factory.mktemp("cells") / "upload.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    before = snapshot(engine)
    result = importers.import_file(engine, kind=kind, path=path, key=KEY)
    assert_all_or_nothing(engine, before, result, kind)
