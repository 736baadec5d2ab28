"""The team-deployment tests drive Debian's Chromium with the browser tests'
own fixtures (the module's browser, and a page that refuses any request
leaving 127.0.0.1)."""

from tests.browser.conftest import browser, page  # noqa: F401 - pytest finds fixtures by name
