"""Access control in AppTest: the password path, the single-sign-on path
(``at.user``), local mode, and a server with no access configured."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from data_access.auth import hash_password
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from ui.auth import LOCAL_MODE_BANNER, NOT_PERMITTED, WRONG_LOGIN
from ui.privacy import SWITCH_LABEL

PAGES = sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))
ADMIN_PAGES = ["pages/7_Records.py", "pages/8_Audit_log.py", "pages/9_Data.py"]
PASSWORDS = {"alice": "alice-admin-pass", "victor": "victor-viewer-pass"}
SECRETS = f"""
[accounts.alice]
password_hash = "{hash_password(PASSWORDS["alice"])}"
role = "admin"

[accounts.victor]
password_hash = "{hash_password(PASSWORDS["victor"])}"
role = "viewer"

[access]
idle_minutes = 30
admin_emails = ["lead@example.org"]
viewer_emails = ["rep@example.org"]

[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "apptest-cookie-secret-not-secret"
client_id = "apptest-client"
client_secret = "apptest-client-secret"
server_metadata_url = "https://login.example.com/.well-known/openid-configuration"
"""


def use_secrets(monkeypatch, tmp_path: Path, text: str) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(text)
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(path))


@pytest.fixture
def app(app_db, tmp_path, monkeypatch) -> AppTest:
    """Return an AppTest of the Overview on a server with accounts and single sign-on configured."""
    use_secrets(monkeypatch, tmp_path, SECRETS)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at.user = {"is_logged_in": False}
    return at


@pytest.fixture
def public_address():
    """Make the app believe it listens on every interface, then restore the setting."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button[-1].click().run()


def shows_no_data(at: AppTest) -> bool:
    return not (at.metric or at.dataframe or at.get("plotly_chart") or at.get("file_uploader"))


def menu(at: AppTest) -> list[str]:
    return [link.value for link in at.get("page_link")]


def test_unauthenticated_overview_shows_login_and_no_figure(app):
    """Without login the Overview shows the login form and no figure."""
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Log in to the Soft Landing dashboard"
    assert at.text_input(key="login_password").proto.type == at.text_input(key="login_password").proto.PASSWORD
    assert shows_no_data(at)


@pytest.mark.parametrize("page", PAGES)
def test_deep_link_without_login_shows_no_data(app, page):
    """Opening any page directly without login shows the login form and no data."""
    at = app.switch_page(page).run()
    assert not at.exception
    assert at.title[0].value == "Log in to the Soft Landing dashboard"
    assert shows_no_data(at)
    assert menu(at) == []


def test_wrong_password_refused_generically(app):
    """A wrong password gets the generic message and no data."""
    at = log_in(app.run(), "alice", "not-the-password")
    assert [error.value for error in at.error] == [WRONG_LOGIN]
    assert shows_no_data(at)


def test_unknown_username_gets_the_same_message(app):
    """An unknown username is refused with the same words as a wrong password."""
    at = log_in(app.run(), "mallory", "anything")
    assert [error.value for error in at.error] == [WRONG_LOGIN]


def test_throttle_engages_after_five_failures(app):
    """The sixth attempt, even with the right password, is told to wait."""
    at = app.run()
    for _ in range(5):
        at = log_in(at, "alice", "not-the-password")
    at = log_in(at, "alice", PASSWORDS["alice"])
    assert "Too many failed attempts" in at.error[0].value
    assert shows_no_data(at)


def test_viewer_sees_dashboard_but_no_admin_pages(app):
    """A viewer sees the Overview figures and a menu without the Data page or audit log."""
    at = log_in(app.run(), "victor", PASSWORDS["victor"])
    assert not at.exception
    assert at.metric
    assert "Data" not in menu(at) and "Audit log" not in menu(at)
    assert at.session_state["role"] == "viewer"


def test_viewer_gets_no_exact_numbers_switch(app):
    """The internal-view switch is not offered to a viewer."""
    at = log_in(app.run(), "victor", PASSWORDS["victor"])
    assert at.metric
    assert SWITCH_LABEL not in [toggle.label for toggle in at.toggle]


def test_admin_gets_the_exact_numbers_switch(app):
    """The internal-view switch is offered to an admin."""
    at = log_in(app.run(), "Alice", PASSWORDS["alice"])
    assert SWITCH_LABEL in [toggle.label for toggle in at.toggle]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_viewer_deep_link_to_admin_page_not_permitted(app, page):
    """A viewer who opens an admin page directly gets "not permitted", no data and no controls."""
    at = log_in(app.run(), "victor", PASSWORDS["victor"])
    at = at.switch_page(page).run()
    assert [error.value for error in at.error] == [NOT_PERMITTED]
    assert shows_no_data(at)
    assert not [button for button in at.button if str(button.key).startswith("data_")]
    assert not at.get("download_button")


def test_admin_sees_and_opens_the_data_page(app):
    """An admin's menu lists the Data page and audit log, and the Data page offers an upload."""
    at = log_in(app.run(), "Alice", PASSWORDS["alice"])
    assert menu(at)[-2:] == ["Audit log", "Data"]
    at = at.switch_page("pages/9_Data.py").run()
    assert not at.exception
    assert at.get("file_uploader")


def test_admin_sees_logins_in_the_audit_log(app):
    """The audit log lists the failed and successful logins with their user."""
    at = log_in(app.run(), "alice", "not-the-password")
    at = log_in(at, "alice", PASSWORDS["alice"])
    at = at.switch_page("pages/8_Audit_log.py").run()
    logged = at.dataframe[0].value
    assert list(logged["action"])[:2] == ["Logged in", "Failed login"]
    assert set(logged["user"]) == {"alice"}


def test_log_out_returns_to_the_login_form(app):
    """Logging out shows the login form again and no data."""
    at = log_in(app.run(), "victor", PASSWORDS["victor"])
    at = at.button(key="logout").click().run()
    assert at.title[0].value == "Log in to the Soft Landing dashboard"
    assert shows_no_data(at)


def test_idle_session_expires(app):
    """A session idle longer than idle_minutes is sent back to the login form."""
    at = log_in(app.run(), "victor", PASSWORDS["victor"])
    at.session_state["auth_last_seen"] = time.time() - 31 * 60
    at = at.run()
    assert "without activity" in at.warning[0].value
    assert shows_no_data(at)


def test_sso_admin_sees_the_data_page(app):
    """A single-sign-on user listed as admin sees figures and the Data page."""
    app.user = {"is_logged_in": True, "email": "Lead@example.org"}
    at = app.run()
    assert at.metric
    assert "Data" in menu(at)
    assert at.session_state["role"] == "admin"


def test_sso_viewer_never_sees_the_data_page(app):
    """A single-sign-on viewer sees figures but neither the Data page nor its controls."""
    app.user = {"is_logged_in": True, "email": "rep@example.org"}
    at = app.run()
    assert at.metric
    assert "Data" not in menu(at)
    at = at.switch_page("pages/9_Data.py").run()
    assert [error.value for error in at.error] == [NOT_PERMITTED]
    assert shows_no_data(at)


def test_sso_unlisted_email_gets_no_data(app):
    """A single-sign-on account whose email has no role sees no figure."""
    app.user = {"is_logged_in": True, "email": "stranger@example.com"}
    at = app.run()
    assert at.title[0].value == "No access for this account"
    assert shows_no_data(at)


def test_sso_logged_out_offers_single_sign_on(app):
    """A logged-out visitor is offered the single-sign-on button and sees no figure."""
    at = app.run()
    assert at.button(key="sso_login").label == "Log in with single sign-on"
    assert shows_no_data(at)


def test_plain_text_password_stops_the_app(app_db, tmp_path, monkeypatch):
    """A plain-text password in secrets shows a clear error and no data."""
    use_secrets(monkeypatch, tmp_path, '[accounts.bob]\npassword = "hunter2"\nrole = "admin"\n')
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert not at.exception
    assert "plain-text password" in at.error[0].value
    assert shows_no_data(at)


def test_local_mode_runs_open_with_banner(app_db):
    """With no access configured on 127.0.0.1, pages open with the local-mode banner."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert at.info[0].value == LOCAL_MODE_BANNER
    assert at.metric


def test_public_server_without_access_shows_how_to_configure(app_db, public_address):
    """With no access configured on a public address, no data is shown, only set-up steps."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert at.title[0].value == "Access is not configured"
    assert shows_no_data(at)


def test_public_proxy_without_access_shows_how_to_configure(app_db, monkeypatch):
    """Behind a proxy on a public address, Streamlit on 127.0.0.1 is not local mode: no data is shown."""
    monkeypatch.setenv("SOFT_LANDING_PUBLIC_ADDRESS", "0.0.0.0")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert at.title[0].value == "Access is not configured"
    assert shows_no_data(at)
