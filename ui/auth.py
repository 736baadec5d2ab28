"""Login, roles and session expiry for every page, through the frame's
``require_access``.

Two ways in, from ``.streamlit/secrets.toml`` (see
``.streamlit/secrets.toml.example``): single sign-on through ``st.login``,
with roles by email under ``[access]``, and built-in accounts under
``[accounts.<username>]``. A password login lives in this browser session's
state only, so reloading the page asks again. With neither configured, a
server that listens only on this computer runs open as an admin ("local
mode"); any other server shows no data and explains how to configure access.

The role is kept in ``st.session_state["role"]`` for other modules (e.g. the
exact-small-numbers switch) to read through ``current_role``.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access.audit import record_audit_event
from data_access.auth import ADMIN, AccessSettings, access_settings, attempt_login
from data_access.config import ConfigError, read_secrets
from ui.cache import get_engine

ROLE_KEY = "role"
USER_KEY = "user"
# Page files only admins see in the menu and may open.
ADMIN_PAGES = frozenset({"7_Records.py", "8_Audit_log.py", "9_Data.py"})
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_USER = "local user"

log = logging.getLogger(__name__)

LOCAL_MODE_BANNER = (
    "**Local mode, no login.** No accounts are configured, and this server only accepts "
    "connections from this computer. Configure access before running it for anyone else."
)
NOT_PERMITTED = "**Not permitted.** This page is for Soft Landing admins only."
WRONG_LOGIN = "The username or password is not right."

_SIGN_IN_KEY = "auth_method"
_LAST_SEEN_KEY = "auth_last_seen"
_NOTICE_KEY = "auth_notice"
_SSO_AUDITED_KEY = "auth_sso_audited"
_FORM_KEY = "login_form"
_USERNAME_KEY = "login_username"
_PASSWORD_KEY = "login_password"
_PASSWORD = "password"
_SSO = "sso"


def current_role() -> str | None:
    """Return this session's role, ``"viewer"`` or ``"admin"``, or None before login."""
    return st.session_state.get(ROLE_KEY)


def current_user() -> str | None:
    """Return this session's user (account name or single-sign-on email), or None."""
    return st.session_state.get(USER_KEY)


def is_admin() -> bool:
    """True when this session has the admin role."""
    return current_role() == ADMIN


def page_visible(page_file: str) -> bool:
    """True when this session's role may see the page file ``page_file`` in the menu."""
    return page_file not in ADMIN_PAGES or is_admin()


def require_login(*, admin_only: bool = False) -> None:
    """Stop the page, before any query, unless this session is signed in (or
    in local mode) with a role that may see it; draw the login page instead.
    ``admin_only`` pages stop with "not permitted" for viewers."""
    try:
        settings = access_settings(read_secrets())
    except ConfigError as exc:
        _forget_session()
        st.error(f"**Access is not configured correctly, so no data is shown.** {exc}.")
        st.stop()
    if not settings.configured:
        _local_or_closed()
    else:
        _signed_in_or_login_page(settings)
    if admin_only and not is_admin():
        st.error(NOT_PERMITTED, icon=":material/block:")
        st.stop()


def _public_address() -> str | None:
    """Return the address people reach this dashboard on: the proxy's
    (``SOFT_LANDING_PUBLIC_ADDRESS``, set by ``deploy/serve``) when
    Streamlit listens behind one, else Streamlit's ``server.address``."""
    return os.environ.get("SOFT_LANDING_PUBLIC_ADDRESS") or st.get_option("server.address")


def _local_or_closed() -> None:
    address = _public_address()
    if address in LOCAL_ADDRESSES:
        st.session_state[ROLE_KEY] = ADMIN
        st.session_state[USER_KEY] = LOCAL_USER
        st.info(LOCAL_MODE_BANNER, icon=":material/lock_open:")
        return
    _forget_session()
    st.title("Access is not configured")
    st.markdown(
        "This dashboard holds data about doctors' careers, so it shows nothing until access is configured. "
        "An administrator of the server should:\n\n"
        "1. create an admin account's password hash with `python -m data_access hash-password`;\n"
        "2. add it to `.streamlit/secrets.toml` as\n\n"
        "   ```toml\n   [accounts.your-name]\n   password_hash = \"scrypt$...\"\n   role = \"admin\"\n   ```\n"
        "   (or configure single sign-on under `[auth]`; see `.streamlit/secrets.toml.example`);\n"
        "3. restart the dashboard.\n\n"
        "To try the dashboard on your own computer without accounts, run it with "
        "`deploy/serve --address 127.0.0.1`."
    )
    st.stop()


def _signed_in_or_login_page(settings: AccessSettings) -> None:
    state = st.session_state
    now = time.time()
    last_seen = state.get(_LAST_SEEN_KEY)
    if state.get(_SIGN_IN_KEY) and last_seen is not None and now - last_seen > settings.idle_minutes * 60:
        method = state.get(_SIGN_IN_KEY)
        _forget_session()
        state[_NOTICE_KEY] = (f"Your session ended after {settings.idle_minutes} minutes without activity. "
                              "Log in again.")
        if method == _SSO and settings.sso_enabled and st.user.is_logged_in:
            st.logout()
    if state.get(_SIGN_IN_KEY) == _PASSWORD and state.get(USER_KEY) in settings.accounts:
        # The role is re-read from secrets, so a changed role applies at once.
        state[ROLE_KEY] = settings.accounts[state[USER_KEY]].role
    elif settings.sso_enabled and st.user.is_logged_in:
        _sso_session(settings)
    else:
        _forget_session()
        _login_page(settings)
        st.stop()
    state[_LAST_SEEN_KEY] = now
    _account_box()


def _sso_session(settings: AccessSettings) -> None:
    state = st.session_state
    email = str(st.user.get("email") or "").strip().lower()
    role = settings.sso_roles.get(email)
    if role is None:
        _forget_session()
        st.title("No access for this account")
        st.error(f"You are signed in as {email or 'an account without an email'}, which has no access "
                 "to this dashboard. Ask a Soft Landing admin to add your email.")
        st.button("Log out", on_click=st.logout, key="sso_logout_no_access")
        st.stop()
    state[_SIGN_IN_KEY] = _SSO
    state[USER_KEY] = email
    state[ROLE_KEY] = role
    if state.get(_SSO_AUDITED_KEY) != email:
        _audit("login", user=email, detail=f"single sign-on as {role}")
        state[_SSO_AUDITED_KEY] = email


def _login_page(settings: AccessSettings) -> None:
    state = st.session_state
    st.title("Log in to the Soft Landing dashboard")
    notice = state.pop(_NOTICE_KEY, None)
    if notice:
        st.warning(notice, icon=":material/schedule:")
    if settings.sso_enabled:
        provider = settings.sso_provider
        st.button("Log in with single sign-on", type="primary", key="sso_login",
                  on_click=st.login, args=(provider,) if provider else ())
    if settings.accounts:
        with st.form(_FORM_KEY):
            st.text_input("Username", key=_USERNAME_KEY, autocomplete="username")
            st.text_input("Password", key=_PASSWORD_KEY, type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Log in", type="primary")
        if submitted:
            _password_login(settings)


def _password_login(settings: AccessSettings) -> None:
    state = st.session_state
    username = str(state.get(_USERNAME_KEY) or "")
    password = str(state.get(_PASSWORD_KEY) or "")
    if not username.strip() or not password:
        st.error("Enter your username and password.")
        return
    try:
        result = attempt_login(get_engine(), username=username, password=password, accounts=settings.accounts)
    except (ConfigError, SQLAlchemyError):
        st.error("The dashboard cannot read its database, so nobody can log in. Check the database "
                 "setting, then reload the page.")
        return
    if result.wait_seconds:
        minutes = -(-result.wait_seconds // 60)
        st.error(f"Too many failed attempts for this username. Wait {minutes} minute"
                 f"{'s' if minutes != 1 else ''}, then try again.", icon=":material/hourglass_top:")
        return
    if result.role is None:
        st.error(WRONG_LOGIN)
        return
    state[_SIGN_IN_KEY] = _PASSWORD
    state[USER_KEY] = username.strip().lower()
    state[ROLE_KEY] = result.role
    state[_LAST_SEEN_KEY] = time.time()
    st.rerun()


def _account_box() -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{current_user()}** ({current_role()})")
        if st.button("Log out", key="logout", icon=":material/logout:", type="tertiary"):
            method = st.session_state.get(_SIGN_IN_KEY)
            _audit("logout", user=current_user(), detail="")
            _forget_session()
            if method == _SSO:
                st.logout()
            st.rerun()


def _forget_session() -> None:
    for key in (ROLE_KEY, USER_KEY, _SIGN_IN_KEY, _LAST_SEEN_KEY, _SSO_AUDITED_KEY):
        st.session_state.pop(key, None)


def _audit(action: str, *, user: str | None, detail: str) -> None:
    # A login or logout must not fail because the audit log cannot be written.
    try:
        record_audit_event(get_engine(), action=action, user=user, detail=detail)
    except (ConfigError, SQLAlchemyError) as exc:
        log.warning("Could not write the %s event to the audit log: %s", action, exc.__class__.__name__)
