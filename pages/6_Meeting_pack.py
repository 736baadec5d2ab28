"""Meeting pack: every chart and the headline figures for the current
filters, as a PowerPoint deck with editable charts, one HTML file or a ZIP
of CSV files, with small numbers always suppressed."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access.config import ConfigError, min_cell
from reports.export import make_pack, pack_file_name, record_pack_export
from reports.pack import FORMAT_NAMES, MEDIA_TYPES, PACK_FORMATS
from ui.auth import current_user
from ui.cache import get_engine
from ui.frame import page_frame

INTRO = (
    "The pack holds every chart of the dashboard for the filters in the sidebar, each with its key message, "
    "n, definitions and caveats, plus the headline figures and SPC charts. It states its filters and "
    "\"data as of\" on the first page. Small numbers are always withheld in a pack, whoever makes it, so it "
    "can be shared with partners. Each pack made is recorded in the audit log."
)
FORMAT_HELP = {
    "pptx": "Slides with native PowerPoint charts you can edit; notes under each slide give n, definitions "
            "and caveats.",
    "html": "One file that opens in any browser, offline, with interactive charts; small enough to email.",
    "zip": "Every chart's data as a CSV file that opens safely in a spreadsheet, with definitions.txt.",
}
_PACK_KEY = "meeting_pack_file"

filters = page_frame("Meeting pack", dashboard=False)
st.markdown(INTRO)
fmt = st.radio("Format", PACK_FORMATS, format_func=FORMAT_NAMES.__getitem__, horizontal=True,
               key="meeting_pack_format")
st.caption(FORMAT_HELP[fmt])

if st.button("Prepare the meeting pack", type="primary", icon=":material/slideshow:",
             key="meeting_pack_prepare"):
    bar = st.progress(0.0, text="Starting…")
    try:
        engine = get_engine()
        pack, data = make_pack(engine, filters=filters, fmt=fmt, min_cell=min_cell(),
                               progress=lambda fraction, message: bar.progress(fraction, text=message))
        record_pack_export(engine, pack=pack, fmt=fmt, user=current_user())
    except (ConfigError, SQLAlchemyError) as exc:
        bar.empty()
        st.error(f"**The pack could not be made.** {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        st.stop()
    bar.progress(1.0, text=f"Ready: {len(pack.charted)} charts")
    st.session_state[_PACK_KEY] = (filters, fmt, pack_file_name(fmt, made_on=pack.made_on), data)

made = st.session_state.get(_PACK_KEY)
if made is not None and made[:2] == (filters, fmt):
    _, _, file_name, data = made
    st.download_button(
        f"Download {file_name}",
        data=data,
        file_name=file_name,
        mime=MEDIA_TYPES[fmt],
        icon=":material/download:",
        key="meeting_pack_download",
    )
elif made is not None:
    st.info("The filters or the format have changed since the last pack was prepared: prepare it again.",
            icon=":material/info:")
