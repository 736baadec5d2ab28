"""Access control without Streamlit: password hashes, the access settings
read from secrets, and password logins throttled through the database.

Decisions:

- **Hash format.** ``scrypt$n=<N>,r=<r>,p=<p>$<salt>$<key>`` with the salt
  and the 32-byte key in unpadded URL-safe base64, made by
  ``hashlib.scrypt`` (no extra package). ``python -m data_access
  hash-password`` prints one. Anything else in ``password_hash`` is refused
  at startup, and a ``password`` key (plain text) is refused outright.
- **Usernames** match case-insensitively (trimmed, lower case).
- **Throttling** counts failed attempts for a username in the last five
  minutes since its last successful login; at five, attempts are refused
  without checking the password until the oldest of them leaves the window.
  Refused attempts are not counted, so waiting always ends the lock.
  Attempts older than a day are deleted as new ones are recorded.
- **Roles** are ``viewer`` and ``admin``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from data_access.audit import record_audit_event
from data_access.config import ConfigError
from data_access.models import LoginAttempt

VIEWER = "viewer"
ADMIN = "admin"
ROLES = (VIEWER, ADMIN)

SCHEME = "scrypt"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
# scrypt needs 128 * r * N bytes; the default 32 MiB cap is just short of N = 2**15.
SCRYPT_MAX_MEMORY = 64 * 1024 * 1024
_HASH_PATTERN = re.compile(r"scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)")

MAX_FAILURES = 5
THROTTLE_WINDOW = dt.timedelta(minutes=5)
ATTEMPT_RETENTION = dt.timedelta(days=1)
DEFAULT_IDLE_MINUTES = 30
MAX_USERNAME_CHARS = 120


# --- password hashes -------------------------------------------------------------


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password`` in the format above."""
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(SALT_BYTES)
    derived = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{SCHEME}$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def is_password_hash(text: str) -> bool:
    """True when ``text`` is a password hash this module can check."""
    return _parse_hash(text) is not None


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for any other
    password or a hash that is not in the expected format."""
    parsed = _parse_hash(password_hash)
    if parsed is None:
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, length=len(expected)), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, *, length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=max(SCRYPT_MAX_MEMORY, 256 * r * n), dklen=length)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _parse_hash(text: Any) -> tuple[int, int, int, bytes, bytes] | None:
    if not isinstance(text, str):
        return None
    match = _HASH_PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    n, r, p = (int(group) for group in match.groups()[:3])
    # A power of two above 1, and bounds that keep a bad hash from taking
    # the server's memory.
    if n < 2 or n & (n - 1) or n > 2**20 or not 1 <= r <= 32 or not 1 <= p <= 16:
        return None
    try:
        salt, key = (base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in match.groups()[3:])
    except (binascii.Error, ValueError):
        return None
    if len(salt) < 8 or len(key) < 16:
        return None
    return n, r, p, salt, key


# --- settings --------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A built-in account: its scrypt hash and role."""

    password_hash: str
    role: str


@dataclass(frozen=True)
class AccessSettings:
    """Who may get in, from ``.streamlit/secrets.toml``."""

    accounts: Mapping[str, Account] = field(default_factory=dict)
    # Single sign-on email (lower case) -> role.
    sso_roles: Mapping[str, str] = field(default_factory=dict)
    sso_enabled: bool = False
    # The ``[auth]`` provider section name for ``st.login``, None for the default.
    sso_provider: str | None = None
    idle_minutes: int = DEFAULT_IDLE_MINUTES

    @property
    def configured(self) -> bool:
        """True when at least one way in is configured."""
        return bool(self.accounts) or self.sso_enabled


def normalise_username(username: str) -> str:
    """Return the form a username is matched and throttled in: trimmed, lower case."""
    return username.strip().lower()[:MAX_USERNAME_CHARS]


def access_settings(secrets_data: Mapping[str, Any]) -> AccessSettings:
    """Return the access settings in parsed secrets: ``[accounts.<name>]``
    (``password_hash``, ``role``), ``[auth]`` for single sign-on, and
    ``[access]`` (``idle_minutes``, ``admin_emails``, ``viewer_emails``,
    ``sso_provider``). Raises ``ConfigError`` naming the setting to fix, and
    refuses any plain-text password."""
    accounts = {}
    raw_accounts = secrets_data.get("accounts", {})
    if not isinstance(raw_accounts, Mapping):
        raise ConfigError("[accounts] must hold one [accounts.<username>] table per account")
    for name, entry in raw_accounts.items():
        where = f"[accounts.{name}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a table with password_hash and role")
        if "password" in entry:
            raise ConfigError(f"{where} has a plain-text password, which is never accepted: replace it with "
                              f"password_hash = \"...\" printed by `python -m data_access hash-password`")
        if not is_password_hash(entry.get("password_hash")):
            raise ConfigError(f"{where} password_hash is not a scrypt hash (plain-text passwords are never "
                              f"accepted): paste the line printed by `python -m data_access hash-password`")
        role = entry.get("role")
        if role not in ROLES:
            raise ConfigError(f"{where} role must be one of {', '.join(ROLES)}, not {role!r}")
        username = normalise_username(str(name))
        if not username or username in accounts:
            raise ConfigError(f"{where} is empty or repeats another account's name")
        accounts[username] = Account(password_hash=entry["password_hash"].strip(), role=role)

    access = secrets_data.get("access", {})
    if not isinstance(access, Mapping):
        raise ConfigError("[access] must be a table")
    idle = access.get("idle_minutes", DEFAULT_IDLE_MINUTES)
    if isinstance(idle, bool) or not isinstance(idle, int) or idle < 1:
        raise ConfigError(f"[access] idle_minutes must be a whole number of at least 1, not {idle!r}")
    sso_roles: dict[str, str] = {}
    for role, setting in ((VIEWER, "viewer_emails"), (ADMIN, "admin_emails")):
        emails = access.get(setting, [])
        if not isinstance(emails, list) or not all(isinstance(email, str) and "@" in email for email in emails):
            raise ConfigError(f"[access] {setting} must be a list of email addresses")
        # Admin is read last, so an email listed under both gets the wider role.
        sso_roles.update({email.strip().lower(): role for email in emails})
    provider = access.get("sso_provider")
    if provider is not None and not isinstance(provider, str):
        raise ConfigError("[access] sso_provider must be the name of an [auth.<provider>] table")
    return AccessSettings(
        accounts=accounts,
        sso_roles=sso_roles,
        sso_enabled=isinstance(secrets_data.get("auth"), Mapping),
        sso_provider=provider,
        idle_minutes=idle,
    )


# --- password logins -------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """The outcome of one login attempt: the role when it succeeded, else
    None; ``wait_seconds`` above 0 when the username is throttled."""

    role: str | None
    wait_seconds: int = 0


def attempt_login(engine: Engine, *, username: str, password: str, accounts: Mapping[str, Account],
                  now: dt.datetime | None = None) -> LoginResult:
    """Check a password login against ``accounts``, throttled per username,
    and record it in the login attempts and the audit log. ``now`` (naive
    UTC) is for tests."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    name = normalise_username(username)
    wait = _throttle_wait(engine, username=name, now=now)
    if wait:
        record_audit_event(engine, action="login_throttled", user=name,
                           detail=f"{MAX_FAILURES} failed attempts within {_minutes(THROTTLE_WINDOW)} minutes")
        return LoginResult(None, wait)
    account = accounts.get(name)
    # An unknown username costs the same scrypt run, so timing does not tell
    # which usernames exist.
    matched = verify_password(password, account.password_hash if account else _decoy_hash())
    succeeded = account is not None and matched
    with engine.begin() as conn:
        conn.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - ATTEMPT_RETENTION))
        conn.execute(insert(LoginAttempt).values(username=name, attempted_at=now, succeeded=succeeded))
    if succeeded:
        record_audit_event(engine, action="login", user=name, detail=f"password login as {account.role}")
        return LoginResult(account.role)
    record_audit_event(engine, action="login_failed", user=name,
                       detail="unknown username" if account is None else "wrong password")
    return LoginResult(None)


def _throttle_wait(engine: Engine, *, username: str, now: dt.datetime) -> int:
    """Return the seconds until ``username`` may try again; 0 when it may now."""
    with engine.connect() as conn:
        last_success = conn.scalar(select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)))
        since = now - THROTTLE_WINDOW
        if last_success is not None and last_success > since:
            since = last_success
        failures = conn.execute(select(LoginAttempt.attempted_at).where(
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
        ).order_by(LoginAttempt.attempted_at)).scalars().all()
    if len(failures) < MAX_FAILURES:
        return 0
    frees_at = failures[len(failures) - MAX_FAILURES] + THROTTLE_WINDOW
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def _minutes(span: dt.timedelta) -> int:
    return int(span.total_seconds() // 60)


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
