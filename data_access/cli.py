"""``python -m data_access``: set up, load and inspect the database.

Exit codes: 0 success, 1 refused input (nothing changed), 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from data_access import auth, backup, demo, formats, importers, jobs, kpis
from data_access.audit import record_audit_event
from data_access.config import ConfigError, database_url, is_default_database, pseudonym_key
from data_access.db import make_engine, migrate, missing_sqlite_file
from data_access.filters import Filters

MAX_PROBLEMS_SHOWN = 50
# The kinds whose rows belong to one event, which an export may leave unnamed.
EVENT_KINDS = ("attendance", "feedback")


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None


def command_line_user(named: str | None) -> str:
    """Return who runs a command, for the audit log: ``named`` (a --user
    option), else the login name, marked as the command line."""
    return named or f"{getpass.getuser()} (command line)"


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the dashboard's global filters as options: --region, --stage and
    --event-type (each repeatable) and --from/--to (YYYY-MM-DD)."""
    parser.add_argument("--region", action="append", default=[], metavar="CODE")
    parser.add_argument("--stage", action="append", default=[], metavar="CODE")
    parser.add_argument("--event-type", action="append", default=[], metavar="CODE")
    parser.add_argument("--from", dest="date_from", type=_iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_iso_date, metavar="YYYY-MM-DD")


def filters_from_arguments(args: argparse.Namespace) -> Filters:
    """Return the ``Filters`` named by the options of ``add_filter_arguments``."""
    return Filters(
        regions=tuple(args.region),
        stages=tuple(args.stage),
        event_types=tuple(args.event_type),
        date_from=args.date_from,
        date_to=args.date_to,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_access", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create or upgrade the database schema and seed reference data")

    p_import = sub.add_parser("import", help="import a CSV or XLSX file")
    p_import.add_argument("kind", choices=importers.KINDS)
    p_import.add_argument("file")
    p_import.add_argument("--user", default=None, help="who is importing (recorded in the history)")
    p_import.add_argument("--event-id", default=None, metavar="EVENT_ID",
                          help="the event of an attendance or feedback export that does not name it "
                               "(a Zoom report, a form or an Eventbrite summary of one event)")
    p_import.add_argument("--format", dest="export_format", default=None, metavar="|".join(formats.FORMATS),
                          help="the export's shape; by default it is recognised from the file, else the file "
                               "is read as the import contract")

    p_job = sub.add_parser("import-job", help="run one queued import started from the Data page (its worker)")
    p_job.add_argument("job_id", type=int)

    p_seed = sub.add_parser("seed-demo", help="load synthetic demo data")
    p_seed.add_argument("--scale", choices=demo.SCALES, default="small")

    sub.add_parser("clear-demo", help="remove every demo row")

    sub.add_parser("hash-password", help="print a password hash for [accounts.<username>] in secrets.toml "
                                         "(prompts, or reads one line from standard input)")

    p_backup = sub.add_parser("backup", help="write a consistent snapshot of every table to a new zip file")
    p_backup.add_argument("file")

    p_restore = sub.add_parser("restore", help="restore a backup zip file into an empty database")
    p_restore.add_argument("file")

    p_kpis = sub.add_parser("kpis", help="print the Overview KPIs")
    add_filter_arguments(p_kpis)
    p_kpis.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _cmd_init(engine, _args) -> int:
    migrate(engine)
    print(f"Database ready at {engine.url.render_as_string(hide_password=True)}")
    return 0


def import_option_error(engine, args: argparse.Namespace) -> str | None:
    """Return why the import options --format and --event-id cannot be used
    with this kind, or None when they can."""
    export_format = formats.FORMATS.get(args.export_format) if args.export_format else None
    if args.export_format and export_format is None:
        return f"--format must be one of {', '.join(formats.FORMATS)}, not '{args.export_format}'"
    if export_format is not None and export_format.kind != args.kind:
        return f"--format {export_format.name} is an export of {export_format.kind}, not {args.kind}"
    if args.event_id is not None:
        if args.kind not in EVENT_KINDS:
            return f"--event-id is for {' and '.join(EVENT_KINDS)} files, not {args.kind}"
        if args.event_id not in set(formats.event_choices(engine)["event_key"]):
            return f"there is no event '{args.event_id}' (import it in an events file first)"
    return None


def _cmd_import(engine, args) -> int:
    migrate(engine)
    problem = import_option_error(engine, args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    result = importers.import_file(
        engine, kind=args.kind, path=args.file, key=pseudonym_key(str(engine.url)), imported_by=args.user,
        fixed_values={"event_id": args.event_id} if args.event_id is not None else None,
        export_format=args.export_format or (formats.AUTO if args.kind in EVENT_KINDS else None),
    )
    for notice in result.notices:
        print(f"Notice: {notice}")
    if result.problems:
        print(f"Refused: {args.file} was not imported; nothing was changed.", file=sys.stderr)
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            print(problem, file=sys.stderr)
        hidden = len(result.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            print(f"... and {hidden} more problems", file=sys.stderr)
        return 1
    counts = f"{result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged"
    record_audit_event(engine, action="import", user=command_line_user(args.user),
                       detail=f"{args.kind} from {Path(args.file).name} (import {result.batch_id}): {counts}")
    print(f"Imported {args.kind} from {args.file}: {result.rows_read} rows read, {counts}.")
    return 0


def _cmd_import_job(engine, args) -> int:
    job = jobs.run_job(engine, job_id=args.job_id, key=pseudonym_key(str(engine.url)))
    if job is None:
        print(f"error: there is no queued import job {args.job_id}", file=sys.stderr)
        return 1
    if job.status == "done":
        print(f"Import job {job.id}: imported {job.kind} from {job.file_name} as import {job.batch_id}: "
              f"{job.rows_read} rows read, {job.counts_text()}.")
        return 0
    reason = job.error or f"{len(job.problems or [])} problems (shown on the Data page)"
    print(f"Import job {job.id} {job.status}: {reason}; nothing was changed.", file=sys.stderr)
    return 1


def _cmd_seed_demo(engine, args) -> int:
    migrate(engine)
    counts = demo.seed_demo(engine, scale=args.scale)
    print("Seeded demo data: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    return 0


def _cmd_clear_demo(engine, _args) -> int:
    migrate(engine)
    removed = demo.clear_demo(engine)
    record_audit_event(engine, action="clear_demo", user=command_line_user(None),
                       detail=f"{removed:,} demo rows")
    print(f"Removed {removed:,} demo rows.")
    return 0


def _cmd_kpis(engine, args) -> int:
    migrate(engine)
    filters = filters_from_arguments(args)
    problems = kpis.invalid_filter_values(engine, filters=filters)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    figures = kpis.compute_kpis(engine, filters=filters, as_of=args.date_to or dt.date.today())
    if args.json:
        print(json.dumps(figures))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            print(f"{key.ljust(width)}  {kpis.format_value(key, value)}")
    return 0


def _cmd_hash_password(_engine, _args) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Same password again: "):
            print("error: the two passwords differ; nothing was printed", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("error: the password is empty; nothing was printed", file=sys.stderr)
        return 1
    print(auth.hash_password(password))
    return 0


def _cmd_backup(engine, args) -> int:
    try:
        manifest = backup.backup(engine, path=args.file)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(manifest.row_counts().values())
    print(f"Backed up {len(manifest.tables)} tables ({total:,} rows, schema revision {manifest.revision}) "
          f"to {args.file}")
    return 0


def _cmd_restore(engine, args) -> int:
    try:
        manifest = backup.restore(engine, path=args.file)
    except backup.BackupError as exc:
        print(f"error: {exc}; nothing was restored", file=sys.stderr)
        return 1
    total = sum(manifest.row_counts().values())
    print(f"Restored {len(manifest.tables)} tables ({total:,} rows) from {args.file}, "
          f"made {manifest.created_at}")
    return 0


COMMANDS = {
    "init": _cmd_init,
    "import": _cmd_import,
    "import-job": _cmd_import_job,
    "seed-demo": _cmd_seed_demo,
    "clear-demo": _cmd_clear_demo,
    "kpis": _cmd_kpis,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "hash-password": _cmd_hash_password,
}


# A missing SQLite file is an error for these, rather than a new empty
# database: a moved file or an unmounted disk must not look like no data.
NEEDS_EXISTING_DATABASE = frozenset({"import", "import-job", "seed-demo", "clear-demo", "kpis", "backup"})


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command and return its exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        url = database_url()
        missing = missing_sqlite_file(url)
        if missing and args.command in NEEDS_EXISTING_DATABASE and not is_default_database(url):
            print(f"error: there is no database file at {missing}; check DATABASE_URL, or create the "
                  f"database with `python -m data_access init`", file=sys.stderr)
            return 1
        engine = make_engine(url)
        return COMMANDS[args.command](engine, args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: the database could not be used: {exc.__class__.__name__}: {exc.orig or exc}"
              if hasattr(exc, "orig") else f"error: the database could not be used: {exc}", file=sys.stderr)
        return 1
