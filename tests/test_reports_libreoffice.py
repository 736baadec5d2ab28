"""LibreOffice opens the meeting pack's deck: ``soffice --headless
--convert-to pdf`` turns it into a PDF with one page per slide. (LibreOffice
is a Debian package; ``make test`` and ``.ci/run`` install it.)"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pptx import Presentation

from reports.export import make_pack
from tests.pack_data import PACK_FILTERS, seeded_database

SOFFICE = shutil.which("soffice")
CONVERT_TIMEOUT_SECONDS = 300
# A PDF page object, not the /Pages tree node.
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is missing: apt-get install -y libreoffice-impress-nogui"
)


def test_libreoffice_converts_the_deck_to_one_pdf_page_per_slide(tmp_path):
    """The deck converts to a PDF whose page count is the deck's slide count."""
    with seeded_database("sqlite", tmp_path, name="reports_libreoffice") as engine:
        _, data = make_pack(engine, filters=PACK_FILTERS, fmt="pptx", min_cell=5)
    deck = tmp_path / "pack.pptx"
    deck.write_bytes(data)
    slides = len(Presentation(io.BytesIO(data)).slides)
    # Its own profile, so a LibreOffice already running elsewhere cannot take the job over.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(deck)],
        capture_output=True, text=True, timeout=CONVERT_TIMEOUT_SECONDS,
    )
    pdf = tmp_path / "pack.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    assert slides >= 10
    assert len(PDF_PAGE.findall(pdf.read_bytes())) == slides
