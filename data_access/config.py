"""Where the database and the pseudonym key come from, and the import limits.

Order of precedence for each setting: the environment, then
``.streamlit/secrets.toml`` (read directly, so this package never imports
streamlit), then the embedded default under ``data/``.
"""

from __future__ import annotations

import logging
import os
import secrets
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "soft_landing.db"
DEFAULT_KEY_PATH = DATA_DIR / "pseudonym.key"
DEFAULT_SNAPSHOT_DIR = DATA_DIR / "snapshots"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A setting is missing or unusable; the message says how to fix it."""


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """Return the parsed secrets file, or an empty dict when there is none.

    ``path`` defaults to ``SOFT_LANDING_SECRETS_FILE`` when set (e.g. a test
    server's own accounts), else ``.streamlit/secrets.toml``.
    """
    path = path or Path(os.environ.get("SOFT_LANDING_SECRETS_FILE") or SECRETS_PATH)
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def default_database_url() -> str:
    """Return the SQLAlchemy URL of the embedded SQLite default."""
    return f"sqlite:///{DEFAULT_DB_PATH}"


def database_url() -> str:
    """Return the configured SQLAlchemy URL: ``DATABASE_URL``, then
    ``[database] url`` in secrets, then the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    url = read_secrets().get("database", {}).get("url")
    if url:
        return str(url)
    return default_database_url()


def is_default_database(url: str) -> bool:
    """True when ``url`` is the embedded default database."""
    return url == default_database_url()


def pseudonym_key(url: str | None = None) -> bytes:
    """Return the secret key for participant pseudonyms.

    ``SOFT_LANDING_PSEUDONYM_KEY``, then ``[privacy] pseudonym_key`` in
    secrets. For the embedded default database only, a key is generated once
    into ``data/pseudonym.key`` (mode 0600). Any other database must be given
    a key explicitly, because a generated key on one machine would split the
    same people into different participants on another.
    """
    key = os.environ.get("SOFT_LANDING_PSEUDONYM_KEY")
    if not key:
        key = read_secrets().get("privacy", {}).get("pseudonym_key")
    if key:
        return str(key).encode("utf-8")
    url = url or database_url()
    if not is_default_database(url):
        raise ConfigError(
            "No pseudonym key: set SOFT_LANDING_PSEUDONYM_KEY or [privacy] "
            "pseudonym_key in .streamlit/secrets.toml"
        )
    return _embedded_key(DEFAULT_KEY_PATH)


def _embedded_key(path: Path) -> bytes:
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    log.warning(
        "Generated a new pseudonym key at %s. Keep it safe and back it up "
        "outside the repository: losing it splits the same people into new "
        "participants in later imports.",
        path,
    )
    return path.read_text(encoding="ascii").strip().encode("ascii")


def snapshot_dir() -> Path:
    """Return the folder for columnar snapshot files: ``SOFT_LANDING_SNAPSHOT_DIR``,
    else ``data/snapshots``. Every app process on one machine may share it."""
    return Path(os.environ.get("SOFT_LANDING_SNAPSHOT_DIR") or DEFAULT_SNAPSHOT_DIR)


def min_cell() -> int:
    """Return the small-number suppression threshold: ``[privacy] min_cell``
    in secrets (a whole number of at least 2), default 5."""
    value = read_secrets().get("privacy", {}).get("min_cell", 5)
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ConfigError(f"[privacy] min_cell must be a whole number of at least 2, not {value!r}")
    return value


@dataclass(frozen=True)
class ImportLimits:
    """The largest table an import reads; a file beyond any of them is refused
    while it is being read, before anything is stored."""

    # rows of the file, the header and any report rows above it included
    max_rows: int = 2_000_000
    # cells in one row of the file
    max_columns: int = 500
    # characters in one cell
    max_cell_chars: int = 10_000


# Python's csv reader refuses longer fields itself (csv.field_size_limit);
# a larger cell limit would report the wrong setting.
LARGEST_CELL_CHARS = 131_072


def import_limits() -> ImportLimits:
    """Return the import limits: for each of ``max_rows``, ``max_columns`` and
    ``max_cell_chars``, the environment (``SOFT_LANDING_IMPORT_MAX_ROWS`` ...),
    then ``[import]`` in secrets, then the ``ImportLimits`` default."""
    configured = read_secrets().get("import", {})
    values = {}
    for name, default in asdict(ImportLimits()).items():
        environment = f"SOFT_LANDING_IMPORT_{name.upper()}"
        value = os.environ.get(environment) or configured.get(name, default)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        largest = LARGEST_CELL_CHARS if name == "max_cell_chars" else None
        usable = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= (largest or value)
        if not usable:
            upper = f" and at most {largest:,}" if largest else ""
            raise ConfigError(f"[import] {name} ({environment}) must be a whole number of at least 1{upper}, "
                              f"not {value!r}")
        values[name] = value
    return ImportLimits(**values)
