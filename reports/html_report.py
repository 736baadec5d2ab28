"""The meeting pack as one self-contained HTML file: interactive Plotly
charts (plotly.js is inlined once, so it works offline and as an email
attachment), the filters, "data as of", each chart's key message, text
description, n, definitions and caveats, and the data behind each chart.

Every text is HTML-escaped. The data tables' cells go through
``neutralise_frame`` as in the CSV files, because a table copied from a
browser into a spreadsheet is read cell by cell, formulas included.
"""

from __future__ import annotations

import html

import pandas as pd
from plotly.offline import get_plotlyjs

from domain.metrics import COUNTING_RULES, METRICS
from domain.suppression import suppression_note
from reports.csv_zip import kpi_table
from reports.pack import ORGANISATION, PACK_TITLE, MeetingPack, caveats, definitions
from reports.safe_csv import neutralise_frame
from views.base import PreparedView

# PLOTLY_CONFIG less "showLink", which the offline writer does not know.
REPORT_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #212B32; margin: 0 auto; max-width: 72rem;
       padding: 1rem 2rem 3rem; line-height: 1.45; }
header { border-bottom: 4px solid #005EB8; margin-bottom: 1.5rem; }
h1 { color: #003087; margin-bottom: 0.2rem; }
h2 { color: #003087; margin-top: 2.5rem; }
.meta, .sub { color: #4C6272; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #D8DDE0; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #E8EDEE; }
figure { margin: 0; }
figcaption { font-size: 0.95rem; margin-top: 0.3rem; }
details { margin: 0.5rem 0 1rem; }
.demo { background: #FFF9C4; padding: 0.5rem 1rem; border-left: 4px solid #FFB81C; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table_html(table: pd.DataFrame) -> str:
    return neutralise_frame(table).to_html(index=False, escape=True, na_rep="", border=0)


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _view_section(prepared: PreparedView, *, min_cell: int) -> str:
    view = prepared.view
    chart = prepared.figure.to_html(
        full_html=False, include_plotlyjs=False, config=REPORT_PLOTLY_CONFIG, div_id=f"chart-{view.id}"
    )
    parts = [
        f'<section id="{_e(view.id)}">',
        f"<h2>{_e(prepared.key_message or view.title)}</h2>",
        f'<p class="sub">{_e(" · ".join(p for p in (view.title, prepared.caption) if p))}</p>',
        f'<figure>{chart}<figcaption>Chart description: {_e(prepared.alt_text)}</figcaption></figure>',
    ]
    found = definitions(prepared)
    if found:
        parts += ["<h3>Definitions</h3>", _list(found)]
    notes = caveats(prepared, min_cell=min_cell)
    if notes:
        parts += ["<h3>Caveats</h3>", _list(notes)]
    parts += [f"<details><summary>Data behind this chart: {_e(view.title)}</summary>",
              _table_html(prepared.table), "</details>", "</section>"]
    return "\n".join(parts)


def html_text(pack: MeetingPack) -> str:
    """Return the report as one HTML document (UTF-8 text)."""
    contents = "".join(
        f'<li><a href="#{_e(prepared.view.id)}">{_e(prepared.view.title)}</a></li>'
        for prepared in pack.charted
    )
    header = [
        "<header>",
        f"<h1>{_e(ORGANISATION)}: {_e(PACK_TITLE.lower())}</h1>",
        f'<p class="meta">Made on {pack.made_on:%-d %B %Y} · Period: {_e(pack.period_text)}<br>'
        f"Filters: {_e(pack.filter_text)}<br>{_e(pack.data_as_of_text)}</p>",
        "</header>",
    ]
    if pack.demo_data:
        header.append('<p class="demo">Demo data: these figures include synthetic demonstration records.</p>')
    body = [
        *header,
        f"<p>{_e(suppression_note(min_cell=pack.min_cell))}</p>",
        "<h2>Headline figures</h2>",
        f"<p>{_e(pack.kpi_message)}</p>",
        _table_html(kpi_table(pack)),
        f'<nav aria-label="Charts"><h2>Charts</h2><ol>{contents}</ol></nav>',
        *(_view_section(prepared, min_cell=pack.min_cell) for prepared in pack.charted),
    ]
    if pack.not_charted:
        body += ["<h2>Not shown: no data for these filters</h2>",
                 _list([prepared.view.title for prepared in pack.not_charted])]
    body += [
        '<section id="definitions"><h2>Definitions</h2>',
        _list([f"{entry.label}: {entry.definition}" for entry in METRICS.values()]),
        f"<p>{_e(COUNTING_RULES)}</p></section>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(ORGANISATION)} {_e(PACK_TITLE.lower())}, {pack.made_on:%-d %b %Y}</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
    ])


def html_bytes(pack: MeetingPack) -> bytes:
    """Return the report as UTF-8 bytes."""
    return html_text(pack).encode("utf-8")
