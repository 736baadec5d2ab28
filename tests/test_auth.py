"""Password hashes, access settings from secrets, and throttled password logins."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access import auth
from data_access.audit import audit_events
from data_access.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 26, 10, 0, 0)
ADMIN_HASH = auth.hash_password("correct horse battery")
ACCOUNTS = {"alice": auth.Account(ADMIN_HASH, auth.ADMIN)}


def login(engine, password: str, *, username: str = "alice", at: dt.datetime = NOW) -> auth.LoginResult:
    return auth.attempt_login(engine, username=username, password=password, accounts=ACCOUNTS, now=at)


def test_hash_verifies_its_password_only():
    """A hash accepts its own password and refuses any other."""
    assert auth.verify_password("correct horse battery", ADMIN_HASH)
    assert not auth.verify_password("correct horse batterY", ADMIN_HASH)


def test_hashes_are_salted():
    """Two hashes of one password differ."""
    assert auth.hash_password("same") != auth.hash_password("same")


@pytest.mark.parametrize("stored", ["correct horse battery", "", "scrypt$n=3,r=8,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
                                    "scrypt$n=32768,r=8,p=1$!!$??"])
def test_malformed_hash_never_verifies(stored):
    """Plain text or a broken hash in place of a hash never lets a password in."""
    assert not auth.verify_password(stored, stored)


def test_plain_text_password_refused():
    """An account with a plain-text password is a configuration error."""
    with pytest.raises(ConfigError, match="plain-text password"):
        auth.access_settings({"accounts": {"bob": {"password": "hunter2", "role": "admin"}}})


def test_plain_text_in_hash_field_refused():
    """A password pasted where the hash belongs is refused."""
    with pytest.raises(ConfigError, match="not a scrypt hash"):
        auth.access_settings({"accounts": {"bob": {"password_hash": "hunter2", "role": "admin"}}})


def test_unknown_role_refused():
    """A role other than viewer or admin is refused."""
    with pytest.raises(ConfigError, match="role must be one of"):
        auth.access_settings({"accounts": {"bob": {"password_hash": ADMIN_HASH, "role": "owner"}}})


def test_settings_read_accounts_roles_and_idle_time():
    """Accounts, single-sign-on roles by email and the idle time come from secrets."""
    settings = auth.access_settings({
        "accounts": {"Alice": {"password_hash": ADMIN_HASH, "role": "viewer"}},
        "auth": {"redirect_uri": "http://localhost:8501/oauth2callback"},
        "access": {"idle_minutes": 10, "admin_emails": ["Lead@Example.org"], "viewer_emails": ["v@example.org"]},
    })
    assert settings.accounts["alice"].role == "viewer"
    assert settings.sso_enabled
    assert settings.sso_roles == {"lead@example.org": "admin", "v@example.org": "viewer"}
    assert settings.idle_minutes == 10


def test_no_settings_means_not_configured():
    """Empty secrets configure no way in."""
    assert not auth.access_settings({}).configured


def test_right_password_gives_the_role(engine):
    """A right password logs in with the account's role, whatever the username's case."""
    assert login(engine, "correct horse battery", username=" Alice ").role == "admin"


def test_wrong_password_and_unknown_user_look_alike(engine):
    """A wrong password and an unknown username both give no role and no wait."""
    assert login(engine, "wrong") == auth.LoginResult(None, 0)
    assert login(engine, "correct horse battery", username="mallory") == auth.LoginResult(None, 0)


def test_throttle_after_five_failures(engine):
    """The sixth attempt within five minutes is refused, even with the right password."""
    for second in range(5):
        login(engine, "wrong", at=NOW + dt.timedelta(seconds=second))
    result = login(engine, "correct horse battery", at=NOW + dt.timedelta(seconds=10))
    assert result.role is None
    assert result.wait_seconds == 290


def test_throttle_is_per_username(engine):
    """Failures for one username do not lock another."""
    for _ in range(5):
        login(engine, "wrong", username="mallory")
    assert login(engine, "correct horse battery").role == "admin"


def test_throttle_ends_after_the_window(engine):
    """Five minutes after the failures, the right password works again."""
    for _ in range(5):
        login(engine, "wrong")
    assert login(engine, "correct horse battery", at=NOW + dt.timedelta(minutes=5, seconds=1)).role == "admin"


def test_success_resets_the_failure_count(engine):
    """Failures before a successful login do not count towards the next throttle."""
    for second in range(4):
        login(engine, "wrong", at=NOW + dt.timedelta(seconds=second))
    login(engine, "correct horse battery", at=NOW + dt.timedelta(seconds=5))
    login(engine, "wrong", at=NOW + dt.timedelta(seconds=6))
    assert login(engine, "correct horse battery", at=NOW + dt.timedelta(seconds=7)).role == "admin"


def test_throttle_survives_a_new_engine(engine):
    """Failures are stored in the database, so a restarted server still throttles."""
    for _ in range(5):
        login(engine, "wrong")
    engine.dispose()
    assert login(engine, "correct horse battery", at=NOW + dt.timedelta(seconds=1)).wait_seconds > 0


def test_logins_are_audited_without_passwords(engine):
    """Logins, failures and throttling appear in the audit log; no password is stored anywhere."""
    login(engine, "correct horse battery")
    for second in range(1, 7):
        login(engine, "not-the-password", at=NOW + dt.timedelta(seconds=second))
    assert list(audit_events(engine)["action"])[::-1] == ["login"] + ["login_failed"] * 5 + ["login_throttled"]
    with engine.connect() as conn:
        stored = [conn.execute(text(f"SELECT * FROM {table}")).all() for table in ("audit_event", "login_attempt")]
    assert "not-the-password" not in repr(stored)


def test_hash_password_command_reads_stdin():
    """`python -m data_access hash-password` prints a hash of the piped password."""
    done = subprocess.run([sys.executable, "-m", "data_access", "hash-password"], input="piped secret\n",
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0
    assert auth.verify_password("piped secret", done.stdout.strip())


def test_hash_password_command_refuses_empty():
    """An empty password prints no hash and exits 1."""
    done = subprocess.run([sys.executable, "-m", "data_access", "hash-password"], input="\n",
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert "empty" in done.stderr
