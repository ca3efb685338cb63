"""Privacy & about page: what stays on this computer, how members are protected, forgetting an upload."""

from __future__ import annotations

import streamlit as st

import oms_dash
from oms_dash.privacy import AGE_BANDS, min_group_size
from oms_dash.ui import state

FORGET_BUTTON_KEY = "privacy_forget_uploaded_data"
_FORGOTTEN_KEY = "privacy_just_forgotten"


def _forget() -> None:
    # A callback runs before the page is drawn again, so the sidebar already shows the demo group.
    state.forget_uploaded_group()
    st.session_state[_FORGOTTEN_KEY] = True


def _stays_here() -> None:
    st.subheader("What stays on this computer")
    st.markdown(
        "- **Your uploaded logs are kept in this computer's memory only.** They are not saved to "
        "disk, and they are gone when you press *Forget uploaded data* below or stop the dashboard.\n"
        "- **Nothing is written to disk unless you export it yourself**, with a download button.\n"
        "- **No usage statistics are sent** to anyone, and nothing is uploaded to the internet.\n"
        "- **The dashboard listens on this computer only** (localhost): other people on your "
        "network cannot open it.\n"
        "- **No fonts, scripts or images are loaded from outside this computer**, on the pages or "
        "in the meeting report."
    )


def _members_protected() -> None:
    bands = ", ".join(label for _low, _high, label in AGE_BANDS)
    k = min_group_size()
    st.subheader("How members are protected")
    st.markdown(
        "- **Columns that could identify someone are removed as soon as a file is read**, before "
        "anything is shown or kept: names (also a column headed with a child's name), email "
        "addresses, phone numbers, home addresses, postcodes and ZIP codes, dates of birth, NHS, "
        "social security and other ID numbers, and web links. The *Upload logs* page lists every "
        "removed column and why.\n"
        "- **A notes column with a contact detail in any note is removed as a whole**, because one "
        "email address or phone number is enough to identify a family. Every note is read.\n"
        "- **A stray contact detail in a column that is kept is hidden**: an email address, phone "
        "number, web link, ID number, postcode or street address typed into a dose or a symptom "
        "shows as *[removed]*, on every page and in every download.\n"
        "- **Members are shown as *Member A*, *Member B*, …**: the same letter on every page and in "
        "the report. Only you can show the real member codes, on your own screen; never in meeting "
        "mode or in a report.\n"
        f"- **Averages, ranges and counts over fewer than {k} members are hidden**, "
        "with a note saying so, because a figure about one or two children points at them. In "
        f"*Who is in the group*, groups under {k} are put together as *other*, or the "
        "breakdown is hidden when a small group could be worked out from the others. "
        "To hide more, start the dashboard with `oms-dash run --min-group 5` (it never goes "
        "below 3).\n"
        f"- **Age is shown only as an age band** ({bands}), and age, sex and country only in group "
        "figures, never next to one member.\n"
        "- **Dates can be shown as days since onset or since the first log** instead of calendar "
        "dates.\n"
        "- **Free-text notes are never drawn in charts or put in reports.** The *Member view* shows "
        "them only when you ask, with email addresses, phone numbers and links removed.\n"
        "- **Downloaded tables open safely in Excel**: a cell that a spreadsheet could run as a "
        "formula is stored as plain text. Tables are downloaded with the app's own buttons only."
    )


def _forget_section() -> None:
    st.subheader("Forget uploaded data")
    if st.session_state.pop(_FORGOTTEN_KEY, False):
        st.success("Forgotten. Your uploaded logs have been cleared from memory; the dashboard "
                   "shows the demo group again.", icon=":material/check_circle:")
    uploaded = st.session_state.get(state.UPLOAD_KEY)
    if not state.holds_uploaded_files():
        st.write("No uploaded logs are in memory: the dashboard is showing the demo group.")
    elif uploaded is None:
        st.write("The files you uploaded are in this computer's memory, although none of them "
                 "could be used: the dashboard is showing the demo group. Forgetting clears them.")
    else:
        count = len(uploaded.members)
        st.write(f"Your uploaded logs ({count} {'member' if count == 1 else 'members'}) are in "
                 "this computer's memory. Forgetting them clears them and every saved calculation "
                 "made from them. Your original files are not touched.")
    st.button("Forget uploaded data", key=FORGET_BUTTON_KEY, on_click=_forget,
              icon=":material/delete:", type="primary",
              help="Clear the uploaded logs and every saved calculation from memory now. "
                   "Files on your computer are not touched.")


def _about() -> None:
    st.subheader("About oms_dash")
    st.markdown(
        f"oms_dash version {oms_dash.__version__}: a dashboard for family support groups of "
        "children with Opsoclonus-Myoclonus Syndrome (OMS), to look at the symptom diaries that "
        "families choose to share, together.\n\n"
        "**It is not medical advice.** It shows what families logged, which may be incomplete or "
        "scored differently from family to family. Patterns in a small group can happen by chance. "
        "Please talk to your child's medical team about diagnosis and treatment."
    )


def render() -> None:
    st.title("Privacy & about")
    st.write("oms_dash is made for logs about sick children. It is built so that nothing about your "
             "members leaves this computer, and so that what you show at a meeting cannot point at "
             "anyone.")
    _stays_here()
    _members_protected()
    _forget_section()
    _about()
