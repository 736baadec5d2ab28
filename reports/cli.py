"""``python -m reports``: make a meeting pack without the UI, e.g. on a
schedule before a meeting.

Exit codes: 0 success, 1 refused (an existing output file, a folder that
cannot be written, a database or settings problem; nothing written),
2 usage error (bad format, date or filter code).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from data_access import kpis
from data_access.cli import add_filter_arguments, command_line_user, filters_from_arguments
from data_access.config import ConfigError, database_url, is_default_database, min_cell
from data_access.db import make_engine, migrate, missing_sqlite_file
from reports.export import make_pack, record_pack_export
from reports.pack import FORMAT_NAMES, PACK_FORMATS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_pack = sub.add_parser("pack", help="write the meeting pack (PowerPoint, HTML or a ZIP of CSV files)")
    p_pack.add_argument("--format", dest="fmt", required=True, choices=PACK_FORMATS)
    p_pack.add_argument("--out", required=True, metavar="FILE", help="a new file (never overwritten)")
    add_filter_arguments(p_pack)
    p_pack.add_argument("--user", default=None,
                        help="who is making the pack (recorded in the audit log; default: your login name)")
    return parser


def _refusal(out: Path) -> str | None:
    """Return why ``out`` cannot be written, or None when it can."""
    if out.exists():
        return f"{out} already exists; choose a new file name (a pack never overwrites a file)"
    if not out.parent.is_dir():
        return f"there is no folder {out.parent}"
    if not os.access(out.parent, os.W_OK):
        return f"the folder {out.parent} cannot be written to"
    return None


def _write_new_file(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` through a temporary file in the same folder,
    renamed at the end, so a failure never leaves a partial pack behind."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
        if out.exists():
            raise FileExistsError(f"{out} appeared while the pack was being made")
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _cmd_pack(args) -> int:
    out = Path(args.out)
    refusal = _refusal(out)
    if refusal:
        print(f"error: {refusal}; nothing was written", file=sys.stderr)
        return 1
    url = database_url()
    missing = missing_sqlite_file(url)
    if missing and not is_default_database(url):
        print(f"error: there is no database file at {missing}; check DATABASE_URL; nothing was written",
              file=sys.stderr)
        return 1
    threshold = min_cell()
    engine = make_engine(url)
    migrate(engine)
    filters = filters_from_arguments(args)
    problems = kpis.invalid_filter_values(engine, filters=filters)
    if problems:
        print(f"error: {'; '.join(problems)}; nothing was written", file=sys.stderr)
        return 2
    pack, data = make_pack(engine, filters=filters, fmt=args.fmt, min_cell=threshold)
    try:
        _write_new_file(out, data)
    except OSError as exc:
        print(f"error: could not write {out}: {exc.strerror or exc}; nothing was written", file=sys.stderr)
        return 1
    user = command_line_user(args.user)
    record_pack_export(engine, pack=pack, fmt=args.fmt, user=user)
    print(f"Wrote {out}: {FORMAT_NAMES[args.fmt]}, {len(pack.charted)} charts, {len(data):,} bytes. "
          f"Filters: {pack.filter_text}. {pack.data_as_of_text}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return _cmd_pack(args)
    except ConfigError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        print(f"error: the database cannot be read ({first_line}); nothing was written", file=sys.stderr)
        return 1
