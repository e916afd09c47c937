"""A sentence quoting people's text (`display.md_sentence`) and people's text itself (`display.md_escape`)
stay plain text in Streamlit's Markdown, whatever the text: read the way CommonMark reads backslash escapes,
no mark is left that makes emphasis, strike, a link, an image, HTML, code, an entity, maths, a shortcode, a
block or an autolink, and the visible text is the input with bidi controls removed and line breaks as spaces."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from raa_app import errors
from raa_core.errors import BadInput
from raa_core.presentation import display

BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Marks that start emphasis (*, _), strike (~), links and images ([ ]), HTML and autolinks (<), code (`),
#: entities (&) and maths ($) wherever they stand.
INLINE_MARKS = set("*_~[]<>`&$")
PIECES = st.sampled_from([
    "**", "__", "~~", "*", "_", "~", "`", "```", "[", "](", ")", "![", "<", ">", "<b>", "</b>", "&amp;", "&#42;",
    "$", "$$", ":", ":material/home:", ":red[", "#", "# ", "> ", "- ", "+ ", "* ", "1. ", "12) ", "    ", "\\",
    "\n", "\r\n", "\t", "\u2028", "http://", "https://", "www.", "mailto:", "@", "x.org", "|", "---", " ",
    *BIDI, "a", "Kent", "file_name.csv", "é", "\u2060",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=14).map("".join)


def _read(md: str) -> str:
    """The text CommonMark shows for `md`, failing on any mark that is not escaped: a backslash before ASCII
    punctuation is that character; an unescaped inline mark, or a colon touching the next character, is markup."""
    out, i = [], 0
    while i < len(md):
        c = md[i]
        if c == "\\":
            assert i + 1 < len(md) and md[i + 1] in string.punctuation, f"a bare backslash in {md!r}"
            out.append(md[i + 1])
            i += 2
            continue
        assert c not in INLINE_MARKS, f"unescaped {c!r} in {md!r}"
        assert not (c == ":" and i + 1 < len(md) and not md[i + 1].isspace()), f"shortcode colon in {md!r}"
        out.append(c)
        i += 1
    return "".join(out)


def _expected(text: str) -> str:
    flat = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", re.sub(f"[{BIDI}]", "", text))
    return flat.lstrip(" ")


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("**bold** _it_ ~~gone~~ `code` [l](http://e.org) ![i](j) <b>x</b> &amp; $x^2$ :material/home:")
@example("# heading")
@example("1. item")
@example("\u202egnp.exe\u202c\u2066x\u2069\u200e")
def test_md_sentence_leaves_no_markup_and_reads_as_written(text: str) -> None:
    shown = display.md_sentence(text)
    assert not re.search("[\n\r\u2028\u2029" + BIDI + "]", shown)
    # an autolink (scheme, www., e-mail @) is broken by a word joiner, which the reader does not see
    assert not re.search(r"(?i)(https?|ftp|mailto|xmpp)\\?:(?!\u2060)|\bwww(?!\u2060)(?=\\?\.)|\w\\?@(?!\u2060)(?=\\?\w)", shown)
    visible = _read(shown.replace("\u2060", ""))
    # no block: a heading, quote, list or ordered-list mark opening the line is escaped (seen above as text)
    assert not re.match(r"\s*([#>+*-]|\d{1,9}[.)])", shown), shown
    assert visible == _expected(text).replace("\u2060", "")


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_md_escape_leaves_no_markup_and_reads_as_written(text: str) -> None:
    shown = display.md_escape(text)
    assert not re.search("[\n\r\u2028\u2029" + BIDI + "]", shown)
    visible = _read(shown.replace("\u2060", ""))
    assert visible == re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", re.sub(f"[{BIDI}]", "", text)).replace("\u2060", "")


@pytest.mark.parametrize("quoted", ["**Kent**", "_draft_", "~~old~~", "a*b*c", "`x`", "\u202eexe.txt"])
def test_an_error_quoting_marks_keeps_the_pages_own_bold_only(quoted: str) -> None:
    """The page's lead-in keeps its bold (added after escaping); the quoted name adds no markup of its own."""
    shown = errors.message(BadInput(f"could not read {quoted}"), "**Not loaded.** ").text
    assert shown.startswith("**Not loaded.** could not read ")
    assert _read(shown.removeprefix("**Not loaded.** ")) == "could not read " + quoted.replace("\u202e", "")
