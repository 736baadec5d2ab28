"""The Data page's import job: start it, follow its progress while the
worker process runs it, and show why it did not import. The job itself is
``data_access.jobs``; this session only remembers which job is its own."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from data_access import jobs
from reports.safe_csv import csv_bytes
from ui.auth import current_user
from ui.cache import get_engine, refresh_data_version

# As many as the command line prints; the download has them all.
PROBLEMS_SHOWN = 50
# How often a running import's progress is read again, in seconds.
JOB_POLL_SECONDS = 1

_JOB_KEY = "data_import_job"


def show_problems(problems: list[str], *, file_name: str, outcome: str) -> None:
    """Draw the problems that refuse ``file_name`` (the first ``PROBLEMS_SHOWN``)
    and a download of them all; ``outcome`` is "will be" or "was"."""
    st.error(f"**{len(problems)} problem{'s' if len(problems) != 1 else ''} found, so nothing {outcome} "
             f"imported.** Correct the file or the column choices, then check again.")
    problem_table = pd.DataFrame({"problem": problems})
    st.table(problem_table.head(PROBLEMS_SHOWN))
    if len(problems) > PROBLEMS_SHOWN:
        st.caption(f"… and {len(problems) - PROBLEMS_SHOWN:,} more problems in the download.")
    st.download_button("Download the problems (CSV)", csv_bytes(problem_table),
                       file_name=f"{PurePath(file_name).stem}_problems.csv", mime="text/csv",
                       key=f"data_problems_download_{outcome.replace(' ', '_')}", icon=":material/download:")


def start_import(engine: Engine, *, data: bytes, file_name: str, options: dict[str, Any],
                 source: str | None) -> bool:
    """Start the import job for a checked file as this session's job; return
    True when it started, else draw the one-line reason and return False."""
    try:
        job_id = jobs.start_import(engine, data=data, file_name=file_name, options=options,
                                   who=current_user(), source_name=source)
    except jobs.JobError as exc:
        st.error(f"**Not started:** {exc}. Nothing was changed.")
        return False
    except OSError as exc:
        st.error(f"**Not started:** the file could not be saved for the import ({exc.strerror or exc}). "
                 f"Nothing was changed.")
        return False
    st.session_state[_JOB_KEY] = job_id
    return True


def job_section(engine: Engine, *, new_file: bool) -> jobs.Job | None:
    """Draw this session's import job: its progress while it runs, its
    problems or error if it did not import (until ``new_file`` is uploaded).
    Return the job as it stands, or None; a done job is forgotten and
    returned undrawn, for the page to announce."""
    job_id = st.session_state.get(_JOB_KEY)
    job = None if job_id is None else jobs.refresh_job(engine, job_id=job_id)
    if job is None:
        return None
    if job.active:
        job_progress(job.id)
    elif job.status == "done":
        del st.session_state[_JOB_KEY]
        refresh_data_version()
    elif new_file:
        del st.session_state[_JOB_KEY]
        return None
    elif job.status == "refused":
        show_problems(job.problems or [], file_name=job.file_name, outcome="was")
    else:
        st.error(f"**{job.file_name} was not imported:** {job.error}.")
    return job


@st.fragment(run_every=JOB_POLL_SECONDS)
def job_progress(job_id: int) -> None:
    """Draw the running import's progress from its row, read again every
    ``JOB_POLL_SECONDS``; rerun the whole page once it has finished."""
    job = jobs.refresh_job(get_engine(), job_id=job_id)
    if job is None or not job.active:
        st.rerun()
    st.progress(job.progress_fraction, text=f"Importing {job.file_name}: {job.progress_text}")
    st.caption("The import runs on the server: the rest of the dashboard stays usable, and this page shows "
               "the result when it has finished.")
