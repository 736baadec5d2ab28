"""The dashboard's server entry: ``streamlit run server.py``.

It serves exactly the app that ``streamlit run dashboard.py`` serves (the
same entry page, ``pages/``, ``.streamlit/config.toml`` and secrets) and
adds what a server needs from start-up: the warm-up thread (``ui.warmup``),
which prepares the columnar snapshot and every page's default view at start
and after every data change, and a log of the app's own messages on stderr
at ``SOFT_LANDING_LOG_LEVEL`` (default INFO).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

# The project's own packages, whose loggers Streamlit does not set up.
APP_LOGGERS = ("data_access", "domain", "reports", "ui", "views")


def log_app_messages(*, level: str) -> None:
    """Send the app's own log records at ``level`` and above to stderr, one line each."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)


@asynccontextmanager
async def warm_while_serving(_app: st.App) -> AsyncIterator[None]:
    """Run the warm-up thread for as long as the server runs."""
    # Imported once the runtime is up, so that the caches it declares are the runtime's.
    from ui.warmup import Warmer

    log_app_messages(level=os.environ.get("SOFT_LANDING_LOG_LEVEL", "INFO").upper())
    warmer = Warmer()
    warmer.start()
    try:
        yield None
    finally:
        warmer.stop()


app = st.App("dashboard.py", lifespan=warm_while_serving)
