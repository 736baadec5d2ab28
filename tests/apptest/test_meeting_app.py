"""Meeting mode in AppTest: the ``present`` link, the page bar and exit,
what is left out on a shared screen, and suppression forced on."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from tests.apptest.support import dashboard_app
from ui.meeting import ADMIN_PAGE_NOTICE, EXIT_LABEL, screen_reader_only_key

EXACT_SWITCH = "privacy_exact_toggle"
MEETING_SWITCH = "meeting_toggle"
EXIT_BUTTON = "meeting_exit"
DASHBOARD_LABELS = ["Overview", "Event reach", "Feedback", "Regional coverage", "Differential attainment",
                    "About the data"]


def events_registrations(at) -> list[float]:
    table = next(frame.value for frame in at.dataframe if "title" in frame.value.columns)
    return list(table["registrations"])


def in_meeting_mode(at) -> bool:
    """True when the page shows meeting mode: an empty sidebar and the exit button."""
    return not at.sidebar.children and any(button.key == EXIT_BUTTON for button in at.button)


@pytest.fixture
def meeting_overview(app_db) -> AppTest:
    """Return the Overview opened from a link with present=1 and London selected, already run."""
    return dashboard_app(present="1", region=["LDN"]).run()


def test_present_link_turns_meeting_mode_on(meeting_overview):
    """present=1 draws nothing in the sidebar (no filters, menu or switches) and shows the exit button."""
    at = meeting_overview
    assert not at.exception
    assert in_meeting_mode(at)
    assert not at.multiselect and not at.toggle and not at.selectbox
    assert at.button(key=EXIT_BUTTON).label == EXIT_LABEL


def test_filters_and_data_as_of_follow_the_title(meeting_overview):
    """The box right under the title states the linked filters, the period and "data as of"."""
    children = list(meeting_overview.main.children.values())
    title_at = next(index for index, child in enumerate(children) if child.type == "title")
    context = children[title_at + 1].markdown[0].value
    assert "London · all stages · all event types · Last 12 months (" in context
    assert "Data as of " in context


def view_blocks(at) -> list[Block]:
    blocks = [child for child in at.main.children.values() if isinstance(child, Block)]
    return [block for block in blocks if block.get("plotly_chart")]


def test_meeting_overview_has_no_downloads_or_expanders(meeting_overview):
    """Charts come without their data expander or CSV download."""
    at = meeting_overview
    assert at.get("plotly_chart")
    assert not at.get("download_button")
    assert not at.expander


def test_chart_descriptions_are_for_screen_readers_only(meeting_overview):
    """Each chart's text description sits in its screen-reader-only container, not on screen."""
    for block in view_blocks(meeting_overview):
        shown = [child for child in block.children.values() if child.type == "caption"]
        assert not [caption for caption in shown if caption.value.startswith("Chart description")]
        hidden = next(child for child in block.children.values() if isinstance(child, Block))
        assert hidden.key == screen_reader_only_key(block.key.removeprefix("view-"))
        assert hidden.caption[0].value.startswith("Chart description: ")


def test_every_chart_has_one_key_message_above_it(meeting_overview):
    """Each chart's container holds one subheader, before the chart, and nothing else titled."""
    views = view_blocks(meeting_overview)
    assert views
    for block in views:
        kinds = [child.type for child in block.children.values()]
        assert kinds.count("subheader") == 1
        assert kinds.index("subheader") < kinds.index("plotly_chart")


def test_page_bar_links_keep_meeting_mode_and_filters(meeting_overview):
    """The bar links every dashboard page (no admin pages), each with present=1 and the filters."""
    links = meeting_overview.get("page_link")
    assert [link.proto.label for link in links] == DASHBOARD_LABELS
    assert {link.proto.query_string for link in links} == {"region=LDN&present=1"}


def test_meeting_mode_is_mirrored_in_the_url(meeting_overview):
    """The URL keeps present=1 beside the filters, so the address bar is a shareable link."""
    assert meeting_overview.query_params == {"present": "1", "region": "LDN"}


def test_meeting_mode_persists_across_page_switch(meeting_overview):
    """Moving to Event reach keeps meeting mode, its filters and present=1 in the URL."""
    at = meeting_overview.switch_page("pages/1_Event_reach.py").run()
    assert at.title[0].value == "Event reach"
    assert in_meeting_mode(at)
    assert at.query_params["present"] == "1"
    assert any("London · all stages" in block.value for block in at.markdown)


def test_exit_button_leaves_meeting_mode(meeting_overview):
    """Exit meeting mode brings back the sidebar and its filters and drops present from the URL."""
    at = meeting_overview.button(key=EXIT_BUTTON).click().run()
    assert not in_meeting_mode(at)
    assert at.multiselect(key="filter_region").value == ["LDN"]
    assert at.query_params == {"region": "LDN"}


def test_sidebar_switch_turns_meeting_mode_on(app_db):
    """The sidebar's Meeting mode switch enters meeting mode and writes present=1 in the URL."""
    at = dashboard_app().run()
    assert not in_meeting_mode(at)
    at.toggle(key=MEETING_SWITCH).set_value(True).run()
    assert in_meeting_mode(at)
    assert at.query_params == {"present": "1"}


@pytest.mark.parametrize("value", ["yes", "2"])
def test_invalid_present_gives_notice_and_normal_view(app_db, value):
    """present=yes or present=2 shows a notice naming it, keeps the normal view and leaves the URL."""
    at = dashboard_app(present=value).run()
    assert not at.exception
    assert any(f"present={value}" in box.value for box in at.warning)
    assert not in_meeting_mode(at)
    assert at.multiselect(key="filter_region").value == []
    assert "present" not in at.query_params


def test_meeting_mode_forces_suppression_for_an_admin(app_db):
    """An admin's exact small numbers are hidden again in meeting mode, with no switch to undo it."""
    at = dashboard_app("pages/1_Event_reach.py").run()
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    assert events_registrations(at) == [11, 4]
    at.toggle(key=MEETING_SWITCH).set_value(True).run()
    assert in_meeting_mode(at)
    assert pd.isna(events_registrations(at)).all()
    assert not any("exact small numbers are shown" in box.value for box in at.warning)


def test_leaving_meeting_mode_keeps_suppression_on(app_db):
    """Exiting meeting mode does not bring an earlier internal view back onto the shared screen."""
    at = dashboard_app("pages/1_Event_reach.py").run()
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    at.toggle(key=MEETING_SWITCH).set_value(True).run()
    at.button(key=EXIT_BUTTON).click().run()
    assert at.toggle(key=EXACT_SWITCH).value is False
    assert pd.isna(events_registrations(at)).all()


def test_admin_page_in_meeting_mode_shows_dashboards_only(app_db):
    """The Data page in meeting mode says meeting mode shows dashboards only, and draws no uploader."""
    at = dashboard_app("pages/9_Data.py", present="1").run()
    assert not at.exception
    assert at.info[-1].value == ADMIN_PAGE_NOTICE
    assert not at.get("file_uploader")
    assert in_meeting_mode(at)


def test_meeting_pack_page_in_meeting_mode_shows_dashboards_only(app_db):
    """The Meeting pack page in meeting mode points to the exit and offers no Prepare button."""
    at = dashboard_app("pages/6_Meeting_pack.py", present="1").run()
    assert not at.exception
    assert at.info[-1].value == ADMIN_PAGE_NOTICE
    assert not any(button.key == "meeting_pack_prepare" for button in at.button)
    assert in_meeting_mode(at)


def test_about_the_data_renders_in_meeting_mode(app_db):
    """About the data works in meeting mode and states the suppression rule."""
    at = dashboard_app("pages/5_About_the_data.py", present="1").run()
    assert not at.exception
    assert in_meeting_mode(at)
    assert any("Small numbers" == header.value for header in at.header)
