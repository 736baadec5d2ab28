"""The meeting pack builder refuses to make a pack without suppression or in
an unknown format, a progress callback sees it through, and the reports
package needs no Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from data_access.filters import Filters
from reports.export import make_pack
from reports.pack import PackError, build_pack


@pytest.mark.parametrize("min_cell", [None, 0, True, 2.5])
def test_pack_always_applies_suppression(engine, min_cell):
    """A threshold of None (the internal view) or anything but a whole number of at least 1 is refused."""
    with pytest.raises(PackError, match="always applies suppression"):
        build_pack(engine, filters=Filters(), min_cell=min_cell)


def test_pack_refuses_an_unknown_format(engine):
    """Only pptx, html and zip are made."""
    with pytest.raises(PackError, match="unknown format 'pdf'"):
        make_pack(engine, filters=Filters(), fmt="pdf", min_cell=5)


def test_progress_runs_from_zero_towards_one(engine):
    """The progress callback is called with rising fractions from 0, ending with the writing step."""
    seen: list[tuple[float, str]] = []
    make_pack(engine, filters=Filters(), fmt="zip", min_cell=5, progress=lambda f, m: seen.append((f, m)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions[0] == 0
    assert fractions == sorted(fractions)
    assert all(0 <= fraction < 1 for fraction in fractions)
    assert seen[-1][1] == "Writing the CSV files (.zip)"


def test_reports_package_imports_no_streamlit():
    """Importing every reports module (and the CLI) pulls in no Streamlit, so packs work without the UI."""
    code = (
        "import sys\n"
        "import reports.pack, reports.export, reports.deck, reports.html_report, reports.csv_zip\n"
        "import reports.native, reports.cli, reports.safe_csv\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('streamlit', 'ui')])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parents[1])
    assert result.stdout.strip() == "[]"
