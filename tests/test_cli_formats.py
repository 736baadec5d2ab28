"""Exports as the tools write them, through the command line: the shape is
recognised or named with --format, the event given with --event-id; bad
option values exit 2 with one line and change nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.test_cli_end_to_end import cli

DATA = Path(__file__).parent / "data"
EVENT = "SL-2025-014"


@pytest.fixture
def env(engine_url, tmp_path):
    """Return the environment of a database (SQLite, and PostgreSQL in CI) holding one event."""
    environment = {**os.environ, "DATABASE_URL": engine_url, "SOFT_LANDING_PSEUDONYM_KEY": "formats-test-key"}
    assert cli(environment, "init").returncode == 0
    events = tmp_path / "events.csv"
    events.write_text(f"event_id,title,event_type,date\n{EVENT},ARCP webinar,arcp_portfolio,2025-03-12\n")
    assert cli(environment, "import", "events", str(events)).returncode == 0
    return environment


def kpis(env) -> dict:
    """Return the Overview KPIs the command line prints."""
    result = cli(env, "kpis", "--to", "2025-12-31", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_zoom_report_is_recognised_and_imported_for_the_event(env):
    """A Zoom report imports with only --event-id: 36 registrants, 27 attended (counted by hand)."""
    result = cli(env, "import", "attendance", str(DATA / "zoom_attendee_report.csv"), "--event-id", EVENT)
    assert result.returncode == 0, result.stderr
    assert ("Notice: Recognised as a Zoom webinar attendee report of a session on 12 Mar 2025."
            in result.stdout)
    figures = kpis(env)
    assert (figures["registrations"], figures["attendances"]) == (36, 27)


def test_named_format_imports_a_forms_export(env):
    """--format msforms imports the Forms export: 24 responses, 17 rated Excellent (counted in the file)."""
    result = cli(env, "import", "feedback", str(DATA / "msforms_feedback_export.xlsx"), "--event-id", EVENT,
                 "--format", "msforms")
    assert result.returncode == 0, result.stderr
    figures = kpis(env)
    assert figures["feedback_responses"] == 24
    assert figures["pct_excellent"] == pytest.approx(100 * 17 / 24)


@pytest.mark.parametrize(("options", "message"), [
    (("--format", "teams"),
     "error: --format must be one of zoom, msforms, googleforms, eventbrite, not 'teams'"),
    (("--format", "msforms"), "error: --format msforms is an export of feedback, not attendance"),
    (("--event-id", "SL-1999-001"),
     "error: there is no event 'SL-1999-001' (import it in an events file first)"),
])
def test_bad_option_exits_2_with_one_line(env, options, message):
    """A wrong --format or --event-id exits 2 with one line and imports nothing."""
    result = cli(env, "import", "attendance", str(DATA / "zoom_attendee_report.csv"), *options)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert kpis(env)["registrations"] == 0


def test_event_id_for_a_kind_without_events_exits_2(env):
    """--event-id on a reps file exits 2 with one line."""
    result = cli(env, "import", "reps", str(DATA / "zoom_attendee_report.csv"), "--event-id", EVENT)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --event-id is for attendance and feedback files, not reps"


def test_file_that_is_not_the_named_format_exits_1(env):
    """A file that is not the named shape is refused (exit 1) and changes nothing."""
    result = cli(env, "import", "attendance", str(DATA / "eventbrite_attendees.csv"), "--event-id", EVENT,
                 "--format", "zoom")
    assert result.returncode == 1
    assert "the file is not a Zoom attendee report" in result.stderr
    assert kpis(env)["registrations"] == 0


def test_form_without_a_rating_question_exits_1_naming_the_data_page(env):
    """A form whose rating question is not found is refused with the way to choose it."""
    result = cli(env, "import", "feedback", str(DATA / "googleforms_feedback_renamed.csv"),
                 "--event-id", EVENT)
    assert result.returncode == 1
    assert "no question of this form was found for rating" in result.stderr
    assert "choose it once on the Data page" in result.stderr
