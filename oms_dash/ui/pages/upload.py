"""Upload logs: read members' files, show per file what was used and what was not, and why."""

from __future__ import annotations

import dataclasses

import streamlit as st

from oms_dash.dictionary import data_dictionary_markdown
from oms_dash.ingest import FileResult, ReadOptions, merge
from oms_dash.privacy import to_csv_bytes
from oms_dash.problems import problems_frame, summary_line
from oms_dash.reference import reference_url
from oms_dash.schema import ITEMS_BY_ID, item_label
from oms_dash.templates import TEMPLATES, template_bytes
from oms_dash.ui import state
from oms_dash.ui.cache import parse_file

ACCEPTED_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "numbers"]
MAPPING_ROLES = {"member": "Member code", "date": "Date", "symptom": "Symptom name (long files)",
                 "severity": "Severity / score (long files)"}
DATE_ORDERS = {"Work it out from the dates": None, "Day first (14/03/2026)": "dayfirst",
               "Month first (03/14/2026)": "monthfirst"}
DAILY_RULES = {"Highest of the day (daily maximum)": "max", "Average of the day (daily mean)": "mean"}


def _options_form() -> ReadOptions:
    with st.expander("Reading options", expanded=False):
        order = st.radio("How are dates like 03/04/2026 written?", list(DATE_ORDERS), key="upload_order",
                         help="Usually worked out from the dates themselves; choose when a file's "
                              "dates could be read either way.")
        member = st.text_input("Member code for single-person exports (Flaredown, Bearable)",
                               key="upload_member", placeholder="taken from the file name if empty",
                               help="Use a code, never a name.")
        rule = st.radio("Several readings of one symptom on one day", list(DAILY_RULES), key="upload_rule")
        sheet = st.text_input("Excel sheet to read (empty: the first sheet)", key="upload_sheet")
    return ReadOptions(date_order=DATE_ORDERS[order], member=member.strip() or None,
                       sheet=sheet.strip() or None, daily_rule=DAILY_RULES[rule])


def _mapping_form(result: FileResult, index: int) -> tuple[tuple[str, str], ...] | None:
    st.warning("The columns of this file were not recognised. Tell oms_dash which column is which:")
    choices = ["(none)", *result.headers]
    with st.form(f"mapping_{index}"):
        picks = {role: st.selectbox(label, choices, key=f"map_{index}_{role}")
                 for role, label in MAPPING_ROLES.items()}
        submitted = st.form_submit_button("Read this file again with these columns")
    if submitted:
        return tuple((role, col) for role, col in picks.items() if col != "(none)")
    return None


def _symptom_link(item_id: str) -> str:
    """A known symptom links to its Reference entry; a family's own word is shown as plain text."""
    if item_id in ITEMS_BY_ID:
        return f"[{item_label(item_id)}]({reference_url(item_id)})"
    return item_id.replace("[", "(").replace("]", ")").replace("*", "").replace("_", " ")


def _file_summary(result: FileResult, index: int) -> None:
    report = result.report
    icon = ":material/check_circle:" if report.usable and not report.rows_rejected else (
        ":material/warning:" if report.usable else ":material/error:")
    with st.container(border=True):
        st.subheader(f"{report.file}", anchor=False)
        st.caption(f"Recognised as: **{report.format}**")
        if report.rows_read:
            cols = st.columns(4)
            cols[0].metric("Rows read", report.rows_read)
            cols[1].metric("Accepted", report.rows_accepted)
            cols[2].metric("Rejected", report.rows_rejected)
            cols[3].metric("Skipped", report.rows_skipped)
            st.write(summary_line(report))
        facts = []
        if report.members:
            facts.append(f"{len(report.members)} member(s)")
        if report.date_min is not None:
            facts.append(f"{report.date_min:%d %b %Y} to {report.date_max:%d %b %Y}")
        if report.symptoms:
            facts.append("symptoms: " + ", ".join(_symptom_link(s) for s in report.symptoms))
        if facts:
            st.write(" · ".join(facts))
        if report.daily_rule:
            st.caption(f"Same-day readings of a symptom were combined by {report.daily_rule}.")
        if report.pii_columns:
            st.error("Removed before anything was shown or kept: "
                     + "; ".join(f"**{f['column']}**: {f['reason']}" for f in report.pii_columns),
                     icon=":material/shield:")
        if report.problems:
            frame = problems_frame(report)
            errors = int((frame["status"] == "not used").sum())
            with st.expander(f"{icon} {len(frame)} message(s), {errors} about rows not used",
                             expanded=not report.usable or errors > 0):
                st.dataframe(frame, hide_index=True, width="stretch")
        if report.rejected_rows is not None and len(report.rejected_rows):
            st.download_button("Download the rejected rows (CSV)", to_csv_bytes(report.rejected_rows),
                               file_name=f"rejected-rows-{report.file.rsplit('.', 1)[0]}.csv",
                               mime="text/csv", key=f"rejected_{index}")


def _current_upload_note() -> None:
    group = state.current_group()
    if group.is_demo:
        st.info("No logs uploaded yet: the other pages show the **demo group** (invented people).")
        return
    names = ", ".join(r.file for r in group.reports)
    st.success(f"The dashboard is showing your uploaded logs ({names}): {len(group.members)} members.")
    if st.button("Forget uploaded data", icon=":material/delete:", key="forget_on_upload"):
        state.forget_uploaded_group()
        st.rerun()


def render() -> None:
    st.title("Upload logs")
    st.write("Drop your members' symptom logs here: our templates, Google Forms responses, "
             "Flaredown or Bearable exports, CSV or Excel. Files stay in this computer's memory; "
             "nothing is saved or sent anywhere.")
    _current_upload_note()
    options = _options_form()
    uploads = st.file_uploader("Log files", type=ACCEPTED_TYPES, accept_multiple_files=True,
                               key=state.uploader_key(), help="You can choose several files at once.")
    if uploads:
        results: list[FileResult] = []
        progress = st.progress(0.0, text="Reading files…")
        for i, upload in enumerate(uploads):
            mapping = st.session_state.get(f"mapping_for_{upload.name}", ())
            opts = dataclasses.replace(options, mapping=mapping)

            def report(fraction: float, words: str, i=i, name=upload.name) -> None:
                progress.progress(min(1.0, (i + fraction) / len(uploads)), text=f"{name}: {words}")

            results.append(parse_file(upload.name, upload.getvalue(), opts, progress=report))
        progress.empty()
        group = merge(results, options.daily_rule)
        if group.usable:
            # A new set of files: store it and rerun, so the banner and sidebar above say so too.
            upload_id = (tuple((u.name, u.size, u.file_id) for u in uploads), options)
            if st.session_state.get(state.LOADED_FILES_KEY) != upload_id:
                state.set_uploaded_group(group)
                st.session_state[state.LOADED_FILES_KEY] = upload_id
                st.rerun()
            st.success(f"Loaded {len(group.members)} member(s) from {len(results)} file(s). Every "
                       "page now shows these logs.", icon=":material/check:")
        else:
            st.error("Nothing usable was found in these files yet; see each file below.")
        for i, result in enumerate(results):
            _file_summary(result, i)
            if result.needs_mapping:
                mapping = _mapping_form(result, i)
                if mapping:
                    st.session_state[f"mapping_for_{result.report.file}"] = mapping
                    st.rerun()
    st.divider()
    st.subheader("Templates", anchor=False)
    st.write("Give these to families who do not have a diary yet. Use a member code like F01, "
             "never a child's name.")
    cols = st.columns(len(TEMPLATES) + 1)
    for col, (name, label) in zip(cols, TEMPLATES.items(), strict=False):
        col.download_button(f"{label} (CSV)", template_bytes(name), f"oms-{name}", "text/csv")
    cols[-1].download_button("Data dictionary (Markdown)", data_dictionary_markdown().encode(),
                             "oms-data-dictionary.md", "text/markdown")
    with st.expander("What each column means"):
        st.markdown(data_dictionary_markdown())
