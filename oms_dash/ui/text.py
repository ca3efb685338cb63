"""User strings inside Streamlit Markdown: shown as typed, never rendered.

Streamlit renders Markdown in st.markdown, st.caption, st.error, st.warning, st.info, st.success,
labels and help texts. A file name, a column heading or a cell value placed there could draw an
image from a server outside this computer (`![x](http://...)`), a link, LaTeX or coloured text. Every
string that comes from an uploaded file passes through `plain()` before it joins Markdown.
"""

from __future__ import annotations

import re

from oms_dash.reference import reference_url, relapse_entry_url
from oms_dash.schema import ITEMS_BY_ID, item_label

# Every character with a meaning in CommonMark, GitHub Markdown, Streamlit's directives
# (:red[...], :material/...:) or its LaTeX ($...$).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&\"'^])")
# GitHub Markdown turns bare web and e-mail addresses into links even when escaped; a zero-width
# space after the scheme, the `www` or before the `@` keeps them as text.
_AUTOLINK = re.compile(r"(?i)(?<=\bhttps)(?=:)|(?<=\bhttp)(?=:)|(?<=\bftp)(?=:)|(?<=\bwww)(?=\.)|(?=@)")
_ZWSP = "\u200b"
# Beside every relapse the dashboard marks: what a family can do (the Reference entry's words).
RELAPSE_HELP = f"A rise in a diary is not a diagnosis. [Is it a relapse? What to do]({relapse_entry_url()})"


def plain(text: object) -> str:
    """`text` escaped so that Markdown shows it character for character (line breaks become spaces)."""
    flat = _AUTOLINK.sub(_ZWSP, " ".join(str(text).split()))
    return _SPECIAL.sub(r"\\\1", flat)


def symptom_link(item_id: str) -> str:
    """Markdown for a symptom: a known one links to its Reference entry; a family's own word (an
    item of the upload) is shown as typed, never as Markdown."""
    if item_id in ITEMS_BY_ID:
        return f"[{item_label(item_id)}]({reference_url(item_id)})"
    return plain(item_label(item_id))
