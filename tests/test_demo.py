"""Synthetic demo data: deterministic, realistic in its proportions, marked and removable."""

import datetime as dt

import pytest
from sqlalchemy import text

from data_access import demo
from data_access.queries.meta import demo_rows_present

TODAY = dt.date.today()
FIXED_ANCHOR = dt.date(2026, 6, 30)
DEMO_TABLES = ("event", "participant", "attendance", "feedback", "rep", "outcome", "benchmark")


@pytest.fixture
def seeded(engine):
    """Return the engine after seeding the small demo anchored today, and the counts."""
    return engine, demo.seed_demo(engine, scale="small", anchor=TODAY)


def scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(engine, sql, **params):
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def snapshot(engine):
    """Return every demo fact as comparable tuples of codes, keys and values (no surrogate ids)."""
    return {
        "events": rows(engine, """
            SELECT e.event_key, e.title, t.code, e.date, e.delivery, r.code, e.capacity
            FROM event e JOIN event_type t ON t.id = e.event_type_id
            LEFT JOIN region r ON r.id = e.host_region_id ORDER BY e.event_key"""),
        "attendance": rows(engine, """
            SELECT e.event_key, p.pseudonym, a.attended, r.code, s.code
            FROM attendance a JOIN event e ON e.id = a.event_id JOIN participant p ON p.id = a.participant_id
            JOIN region r ON r.id = a.region_id JOIN stage s ON s.id = a.stage_id
            ORDER BY e.event_key, p.pseudonym"""),
        "feedback": rows(engine, """
            SELECT f.response_key, e.event_key, f.rating, f.submitted, f.would_recommend, f.comments, r.code, s.code
            FROM feedback f JOIN event e ON e.id = f.event_id
            JOIN region r ON r.id = f.region_id JOIN stage s ON s.id = f.stage_id ORDER BY f.response_key"""),
        "outcomes": rows(engine, """
            SELECT p.pseudonym, m.code, o.date, o.result, o.flag, r.code, s.code
            FROM outcome o JOIN participant p ON p.id = o.participant_id
            JOIN outcome_measure m ON m.id = o.measure_id JOIN region r ON r.id = o.region_id
            JOIN stage s ON s.id = o.stage_id ORDER BY p.pseudonym, m.code, o.date"""),
        "reps": rows(engine, """
            SELECT p.name, r.code, p.role, p.start_date, p.end_date
            FROM rep p JOIN region r ON r.id = p.region_id ORDER BY p.name, r.code"""),
        "benchmarks": rows(engine, """
            SELECT b.year, m.code, b.group_label, b.numerator, b.denominator, b.source
            FROM benchmark b JOIN outcome_measure m ON m.id = b.measure_id ORDER BY b.year, m.code, b.group_label"""),
        "mwres": rows(engine, """
            SELECT e.event_key, i.code FROM event_mwres em JOIN event e ON e.id = em.event_id
            JOIN mwres_indicator i ON i.id = em.indicator_id ORDER BY e.event_key, i.code"""),
    }


def insert_real_rows(engine):
    """Insert one non-demo batch with an event, a participant, an attendance row and a rep."""
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO import_batch (kind, file_name, imported_at, is_demo, rows_read, rows_inserted,
                                      rows_updated, rows_unchanged)
            VALUES ('events', 'real.csv', :now, :false, 1, 1, 0, 0)"""), {"now": dt.datetime(2026, 1, 1), "false": False})
        batch = conn.execute(text("SELECT id FROM import_batch WHERE file_name = 'real.csv'")).scalar_one()
        ids = {
            "b": batch,
            "t": conn.execute(text("SELECT id FROM event_type WHERE code = 'induction'")).scalar_one(),
            "r": conn.execute(text("SELECT id FROM region WHERE code = 'LDN'")).scalar_one(),
            "s": conn.execute(text("SELECT id FROM stage WHERE code = 'st1'")).scalar_one(),
        }
        conn.execute(text("""INSERT INTO event (event_key, title, event_type_id, date, delivery, batch_id)
                             VALUES ('REAL-1', 'Real induction', :t, :d, 'virtual', :b)"""),
                     ids | {"d": dt.date(2026, 1, 5)})
        conn.execute(text("INSERT INTO participant (pseudonym, batch_id) VALUES (:p, :b)"), ids | {"p": "f" * 64})
        conn.execute(text("""
            INSERT INTO attendance (event_id, participant_id, attended, region_id, stage_id, batch_id)
            SELECT e.id, p.id, :true, :r, :s, :b FROM event e, participant p
            WHERE e.event_key = 'REAL-1' AND p.pseudonym = :p"""), ids | {"p": "f" * 64, "true": True})
        conn.execute(text("""INSERT INTO rep (name, region_id, role, start_date, batch_id)
                             VALUES ('Dr Real Rep', :r, 'rep', :d, :b)"""), ids | {"d": dt.date(2025, 1, 1)})


def test_seed_is_deterministic_for_the_same_anchor(engine):
    """Seeding a fresh database twice with the same scale and anchor gives identical rows."""
    demo.seed_demo(engine, scale="small", anchor=FIXED_ANCHOR)
    first = snapshot(engine)
    demo.clear_demo(engine)
    demo.seed_demo(engine, scale="small", anchor=FIXED_ANCHOR)
    assert snapshot(engine) == first


def test_seed_counts_match_the_small_scale(seeded):
    """The small demo has 60 events and 800 participants, and the counts match the rows."""
    engine, counts = seeded
    assert counts["events"] == 60 and counts["participants"] == 800
    for table, key in (("event", "events"), ("participant", "participants"), ("attendance", "registrations"),
                       ("feedback", "feedback"), ("rep", "reps"), ("outcome", "outcomes"),
                       ("benchmark", "benchmarks"), ("event_mwres", "mwres_links")):
        assert scalar(engine, f"SELECT COUNT(*) FROM {table}") == counts[key]


def test_inductions_draw_150_or_more_attendees(seeded):
    """Every induction has at least 150 attendees."""
    engine, _ = seeded
    attended = rows(engine, """
        SELECT e.id, SUM(CASE WHEN a.attended THEN 1 ELSE 0 END) FROM event e
        JOIN event_type t ON t.id = e.event_type_id JOIN attendance a ON a.event_id = e.id
        WHERE t.code = 'induction' GROUP BY e.id""")
    assert attended and min(n for _, n in attended) >= 150


def test_virtual_events_draw_100_or_more_attendees(seeded):
    """Every virtual event has at least 100 attendees."""
    engine, _ = seeded
    attended = rows(engine, """
        SELECT e.id, SUM(CASE WHEN a.attended THEN 1 ELSE 0 END) FROM event e
        JOIN attendance a ON a.event_id = e.id WHERE e.delivery = 'virtual' GROUP BY e.id""")
    assert attended and min(n for _, n in attended) >= 100


def test_excellent_share_is_between_80_and_90_percent(seeded):
    """80-90% of feedback rates Excellent (5)."""
    engine, _ = seeded
    share = scalar(engine, "SELECT AVG(CASE WHEN rating = 5 THEN 1.0 ELSE 0.0 END) FROM feedback")
    assert 0.80 <= float(share) <= 0.90


def test_attendance_rate_is_between_70_and_85_percent(seeded):
    """Between 70% and 85% of registrations attend."""
    engine, _ = seeded
    rate = scalar(engine, "SELECT AVG(CASE WHEN attended THEN 1.0 ELSE 0.0 END) FROM attendance")
    assert 0.70 <= float(rate) <= 0.85


def test_most_but_not_all_regions_have_an_active_rep_today(seeded):
    """16 or 17 of the 19 training regions have a rep active today, so coverage gaps show."""
    engine, _ = seeded
    covered = scalar(engine, """
        SELECT COUNT(DISTINCT r.region_id) FROM rep r JOIN region g ON g.id = r.region_id
        WHERE g.is_training_region AND r.start_date <= :today AND (r.end_date IS NULL OR r.end_date >= :today)""",
                     today=TODAY)
    assert covered in (16, 17)


def test_reps_have_every_role_and_some_have_stood_down(seeded):
    """Reps are leads, reps and deputies, and some have an end date in the past."""
    engine, _ = seeded
    assert {r for (r,) in rows(engine, "SELECT DISTINCT role FROM rep")} == {"lead", "rep", "deputy"}
    assert scalar(engine, "SELECT COUNT(*) FROM rep WHERE end_date < :today", today=TODAY) > 0


def test_benchmark_exam_pass_gap_is_20_to_26_points_every_year(seeded):
    """UK graduates pass each MRCPCH exam 20-26 points more often than IMGs, in every benchmark year."""
    engine, _ = seeded
    rates = rows(engine, """
        SELECT b.year, m.code, b.group_label, 100.0 * b.numerator / b.denominator FROM benchmark b
        JOIN outcome_measure m ON m.id = b.measure_id WHERE m.category = 'exam'""")
    by_key = {(year, code, group): float(rate) for year, code, group, rate in rates}
    gaps = [by_key[(y, c, "UK graduates")] - by_key[(y, c, "IMGs")] for y, c, g in by_key if g == "IMGs"]
    assert len(gaps) == 24 and all(20 <= gap <= 26 for gap in gaps)


def test_benchmarks_cover_arcp_and_recruitment_and_are_marked_synthetic(seeded):
    """Benchmarks include ARCP and recruitment rows, all with a source that says they are synthetic."""
    engine, _ = seeded
    categories = {c for (c,) in rows(engine, """
        SELECT DISTINCT m.category FROM benchmark b JOIN outcome_measure m ON m.id = b.measure_id""")}
    sources = {s for (s,) in rows(engine, "SELECT DISTINCT source FROM benchmark")}
    assert categories == {"exam", "arcp", "recruitment"}
    assert sources == {demo.BENCHMARK_SOURCE} and "Synthetic" in demo.BENCHMARK_SOURCE


def test_every_row_is_marked_demo(seeded):
    """Every inserted row points at the single demo batch (kind demo, file demo:small)."""
    engine, _ = seeded
    batches = rows(engine, "SELECT id, kind, file_name, is_demo FROM import_batch")
    assert len(batches) == 1 and batches[0][1:] == ("demo", "demo:small", True)
    for table in DEMO_TABLES:
        assert scalar(engine, f"SELECT COUNT(*) FROM {table} WHERE batch_id <> :b", b=batches[0][0]) == 0
    assert demo_rows_present(engine)


def test_clear_demo_removes_demo_rows_and_keeps_real_rows(seeded):
    """clear_demo removes every demo row and batch and leaves a real import untouched."""
    engine, counts = seeded
    insert_real_rows(engine)
    assert demo.clear_demo(engine) == sum(counts.values())
    assert not demo_rows_present(engine)
    assert scalar(engine, "SELECT COUNT(*) FROM event_mwres") == 0
    assert rows(engine, "SELECT file_name FROM import_batch") == [("real.csv",)]
    assert [scalar(engine, f"SELECT COUNT(*) FROM {table}") for table in DEMO_TABLES] == [1, 1, 1, 0, 1, 0, 0]


def test_clear_demo_without_demo_data_changes_nothing(engine):
    """clear_demo on a database without demo rows removes nothing and leaves the data version alone."""
    insert_real_rows(engine)
    assert demo.clear_demo(engine) == 0
    assert scalar(engine, "SELECT COUNT(*) FROM app_meta WHERE key = 'data_version'") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM event") == 1


def test_seed_and_clear_bump_the_data_version(engine):
    """Seeding sets data_version to 1 when missing; seeding again and clearing each add one."""
    version = "SELECT value FROM app_meta WHERE key = 'data_version'"
    demo.seed_demo(engine, scale="small")
    assert scalar(engine, version) == "1"
    demo.seed_demo(engine, scale="small")
    demo.clear_demo(engine)
    assert scalar(engine, version) == "3"


def test_seeding_again_replaces_the_demo_rather_than_adding_to_it(seeded):
    """A second seeding leaves one demo batch and the same row counts."""
    engine, counts = seeded
    assert demo.seed_demo(engine, scale="small", anchor=TODAY) == counts
    assert scalar(engine, "SELECT COUNT(*) FROM import_batch") == 1
    assert scalar(engine, "SELECT COUNT(*) FROM attendance") == counts["registrations"]


def test_unknown_scale_is_refused_and_changes_nothing(engine):
    """An unknown scale raises a clear ValueError and writes nothing."""
    with pytest.raises(ValueError, match="unknown demo scale 'huge'"):
        demo.seed_demo(engine, scale="huge")
    assert scalar(engine, "SELECT COUNT(*) FROM import_batch") == 0


def test_seed_demo_if_empty_seeds_an_empty_database_once(engine):
    """An empty database is seeded once; a second call finds events and does nothing."""
    assert demo.seed_demo_if_empty(engine) is True
    assert scalar(engine, "SELECT COUNT(*) FROM event") == 60
    assert demo.seed_demo_if_empty(engine) is False
    assert scalar(engine, "SELECT COUNT(*) FROM import_batch") == 1


def test_seed_demo_if_empty_leaves_real_data_alone(engine):
    """A database with a real event is not seeded."""
    insert_real_rows(engine)
    assert demo.seed_demo_if_empty(engine) is False
    assert not demo_rows_present(engine)


def test_pseudonyms_are_hashes_never_emails(seeded):
    """Participant pseudonyms are 64 hex characters and never contain '@'."""
    engine, _ = seeded
    pseudonyms = [p for (p,) in rows(engine, "SELECT pseudonym FROM participant")]
    assert all(len(p) == 64 and set(p) <= set("0123456789abcdef") for p in pseudonyms)
    assert scalar(engine, "SELECT COUNT(*) FROM participant WHERE pseudonym LIKE '%@%'") == 0


def test_events_span_three_years_with_data_in_the_last_12_months(seeded):
    """Events fall within the last 3 years up to the anchor, with some in the last 12 months."""
    engine, _ = seeded
    first, last = rows(engine, "SELECT MIN(date), MAX(date) FROM event")[0]
    assert dt.date.fromisoformat(str(first)) >= TODAY - dt.timedelta(days=3 * 365)
    assert dt.date.fromisoformat(str(last)) <= TODAY
    recent = scalar(engine, "SELECT COUNT(*) FROM event WHERE date > :since", since=TODAY - dt.timedelta(days=365))
    assert recent >= 15


def test_feedback_comes_only_from_events_that_happened(seeded):
    """Feedback is submitted on or after its event's date and never after the anchor."""
    engine, _ = seeded
    early = scalar(engine, """SELECT COUNT(*) FROM feedback f JOIN event e ON e.id = f.event_id
                              WHERE f.submitted < e.date OR f.submitted > :today OR e.date > :today""", today=TODAY)
    assert early == 0


def test_feedback_comments_include_a_formula_like_one(seeded):
    """Some comments exist and at least one begins with '=' to exercise export safety."""
    engine, _ = seeded
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE comments LIKE '=%'") > 0
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE comments IS NOT NULL") > 100


def test_every_region_event_type_and_main_stage_appears(seeded):
    """Attendance covers all 19 regions plus OVS and UNK, every event type, and mostly pre-NHS and ST1-3."""
    engine, _ = seeded
    regions = {c for (c,) in rows(engine, "SELECT DISTINCT r.code FROM attendance a JOIN region r ON r.id = a.region_id")}
    types = {c for (c,) in rows(engine, "SELECT DISTINCT t.code FROM event e JOIN event_type t ON t.id = e.event_type_id")}
    main_stage_share = scalar(engine, """
        SELECT AVG(CASE WHEN s.code IN ('pre_nhs', 'st1', 'st2', 'st3') THEN 1.0 ELSE 0.0 END)
        FROM attendance a JOIN stage s ON s.id = a.stage_id""")
    assert len(regions) == 21
    assert len(types) == 7
    assert float(main_stage_share) > 0.5


def test_overseas_rows_are_pre_nhs(seeded):
    """A row in the overseas region always has the pre-NHS stage of that time."""
    engine, _ = seeded
    stages = {c for (c,) in rows(engine, """
        SELECT DISTINCT s.code FROM attendance a JOIN region r ON r.id = a.region_id
        JOIN stage s ON s.id = a.stage_id WHERE r.code = 'OVS'""")}
    assert stages == {"pre_nhs"}


def test_some_participants_return(seeded):
    """Some participants attend two or more events, and some only one."""
    engine, _ = seeded
    per_person = [n for (n,) in rows(engine, """
        SELECT COUNT(*) FROM attendance WHERE attended GROUP BY participant_id""")]
    assert any(n >= 2 for n in per_person) and any(n == 1 for n in per_person)


def test_outcomes_cover_every_category_with_a_realistic_arcp_mix(seeded):
    """Outcomes include exams, ARCP and recruitment; ARCP is mostly outcome 1 with some 2/3/5 and 8/10.x."""
    engine, _ = seeded
    arcp = dict(rows(engine, """
        SELECT o.result, COUNT(*) FROM outcome o JOIN outcome_measure m ON m.id = o.measure_id
        WHERE m.code = 'arcp' GROUP BY o.result"""))
    categories = {c for (c,) in rows(engine, """
        SELECT DISTINCT m.category FROM outcome o JOIN outcome_measure m ON m.id = o.measure_id""")}
    assert categories == {"exam", "arcp", "recruitment"}
    assert arcp["1"] > sum(arcp.values()) / 2
    assert {"2", "3", "5", "8"} <= set(arcp) and any(code.startswith("10.") for code in arcp)


def test_engaged_members_pass_exams_more_often(seeded):
    """Exam outcomes after 3+ attended events pass more often than those after none."""
    engine, _ = seeded
    by_band = dict(rows(engine, """
        SELECT CASE WHEN prior >= 3 THEN 'engaged' WHEN prior = 0 THEN 'none' ELSE 'some' END AS band,
               AVG(CASE WHEN result = 'pass' THEN 1.0 ELSE 0.0 END)
        FROM (SELECT o.result, (SELECT COUNT(*) FROM attendance a JOIN event e ON e.id = a.event_id
                                WHERE a.participant_id = o.participant_id AND a.attended AND e.date < o.date) AS prior
              FROM outcome o JOIN outcome_measure m ON m.id = o.measure_id WHERE m.category = 'exam') x
        GROUP BY band"""))
    assert float(by_band["engaged"]) > float(by_band["none"])


def test_mwres_links_use_indicators_from_the_table(seeded):
    """Some events are linked to MWRES indicators, all of them rows of mwres_indicator."""
    engine, _ = seeded
    linked = scalar(engine, "SELECT COUNT(DISTINCT event_id) FROM event_mwres")
    orphans = scalar(engine, """SELECT COUNT(*) FROM event_mwres em
                                LEFT JOIN mwres_indicator i ON i.id = em.indicator_id WHERE i.id IS NULL""")
    assert 0 < linked < 60 and orphans == 0
