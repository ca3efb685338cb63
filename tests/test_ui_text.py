"""User strings shown in Streamlit Markdown stay text: no image, link, formatting or LaTeX."""

import re

import pytest

from oms_dash.ui.text import plain

TRICKS = [
    "![track](http://203.0.113.7/leak.png?who=olivia) Email",
    "[click](https://example.org)",
    "**bold** _it_ `code` ~~gone~~",
    ":red[coloured] :material/home:",
    "$x^2$",
    "<img src=http://203.0.113.7/x.png>",
    "# heading\n- item",
    "mum@example.com www.example.org ftp://x.org",
]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


@pytest.mark.parametrize("text", TRICKS)
def test_every_markdown_character_is_escaped(text):
    escaped = plain(text)
    # No special character is left bare: each is preceded by a backslash.
    assert not re.search(r"(?<!\\)[\[\]()!*_`~$<>#:]", escaped)
    # What the reader sees is what was typed (line breaks folded to spaces).
    assert _unescape(escaped) == " ".join(text.split())


def test_addresses_are_not_turned_into_links():
    escaped = plain("see http://x.org, www.x.org or mum@x.org")
    assert "http\u200b" in escaped and "www\u200b" in escaped and "\u200b\\@" not in escaped
    assert "mum\u200b@" in escaped


def test_plain_words_are_untouched_but_for_punctuation():
    assert plain("Eye movements") == "Eye movements"
    assert plain("F01") == "F01"


def test_symptom_links_link_known_symptoms_and_show_a_familys_own_words_as_typed():
    from oms_dash.schema import custom_item_id
    from oms_dash.ui.text import symptom_link

    assert symptom_link("opsoclonus") == "[Eye movements (opsoclonus)](./reference?entry=opsoclonus)"
    own = symptom_link(custom_item_id("Wobble + shakes - worse"))
    assert "](" not in own and "\\+" in own and "\\-" in own
