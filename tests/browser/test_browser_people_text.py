"""People's text stays text in Chromium: a hostile corpus (Markdown links and images, HTML, bare URLs and
e-mail addresses, bidi and zero-width characters) shown through every component that renders Markdown, by
the product's own one rule (`display.md_escape`) and the functions that compose page text with it, gives no
link, image or other unexpected element; an error's sentence quoting it (`display.md_sentence`) not even
emphasis or strike, only the page's own bold."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from browser_support import REPO, streamlit_process, wait_ready

pytestmark = pytest.mark.browser

CORPUS = [
    "Q3 plan [Approve here](http://127.0.0.1:9/phish) ![x](http://127.0.0.1:9/beacon.png)",
    "<img src=x onerror=alert(1)> <a href='http://127.0.0.1:9/'>click</a> <script>alert(1)</script>",
    "see http://127.0.0.1:9/bare and https://example.org/x and www.example.com and ftp.example.com",
    "mail me: officer@example.org or mailto:officer@example.org",
    "<http://127.0.0.1:9/angle> [ref]: http://127.0.0.1:9/ref [ref]",
    "**bold** _it_ `code` # heading > quote - item 1. item $x^2$ :red[colour] :material/home:",
    "right-to-left \u202egnp.exe\u202c zero\u200bwidth \u2066isolate\u2069 \ufeffbom",
    "line one\nline two\r\n| a | b |\n|---|---|\n| 1 | 2 |",
]

SCRIPT = textwrap.dedent('''
    import sys
    sys.path.insert(0, {repo!r})
    import json
    from decimal import Decimal
    import pandas as pd
    import streamlit as st
    from raa_core.presentation.display import issue_lines, md_escape
    from raa_core.contributions.scenario_tables import saved_caption
    from raa_core.finance.budget_tables import shares_caption
    from raa_core.errors import BadInput
    from raa_app import errors
    corpus = json.loads({corpus!r})
    st.set_page_config(page_title="corpus")
    for i, text in enumerate(corpus):
        safe = md_escape(text)
        st.markdown(safe)
        st.caption(safe)
        st.info(safe)
        st.warning(safe)
        st.success(safe)
        st.subheader(safe)
        with st.expander(safe):
            st.write("inside")
        st.radio(safe, [safe, "other"], key=f"r{{i}}")
        errors.show(BadInput("could not read " + text), md_escape(text) + ": ")
        saved = pd.DataFrame({{"name": [text], "saved_by": [text], "saved_at": ["2026-01-01T10:00:00"]}})
        st.caption(saved_caption(saved, [text]))
        st.caption(shares_caption("2026-27", text, {{886: Decimal("0.5")}}, {{886: "Kent"}}))
        st.markdown(issue_lines([{{"severity": "warning", "file": text, "column": text, "rule": text,
                                   "message": text}}]))
    with st.container(key="sentences"):  # a sentence quoting people's text (md_sentence) keeps only our bold
        for text in corpus:
            errors.show(BadInput("could not read " + text), "**Not loaded.** ")
    st.write("corpus-done")
''')


def test_hostile_people_text_renders_as_text_in_every_markdown_component(tmp_path: Path, browser) -> None:
    import json

    script = tmp_path / "corpus_page.py"
    script.write_text(SCRIPT.format(repo=str(REPO), corpus=json.dumps(CORPUS)))
    # the session's Chromium (conftest `browser`): a second Playwright in the same thread cannot start
    with streamlit_process({}, script=script) as (url, _, _):
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        wait_ready(page)
        page.get_by_text("corpus-done").wait_for(timeout=60_000)
        main = page.locator('[data-testid="stMain"]')
        # emphasis is harmless and an error's own sentence may use it; links, images, HTML, code, tables are not
        unexpected = "a, img, script, iframe, table, h1, h2, h4, blockquote, ol, ul ul, code, del, object, embed"
        found = main.evaluate("""(m, sel) => Array.from(m.querySelectorAll(sel))
            .filter(e => !(e.tagName === 'A' && (e.getAttribute('href') || '').startsWith('#')))
            .map(e => e.tagName + ' ' + (e.getAttribute('href') || e.getAttribute('src') || e.textContent) + ' in '
                 + (e.closest('[data-testid^="st"]:not([data-testid="stMarkdownContainer"])') || m)
                     .getAttribute('data-testid'))""",
                              unexpected)
        assert found == [], found
        # in the sentences quoting people's text, not even emphasis or strike: only the page's own bold lead-in
        marks = main.evaluate("""m => Array.from(m.querySelectorAll(
            '.st-key-sentences em, .st-key-sentences del, .st-key-sentences s, .st-key-sentences strong'))
            .map(e => e.tagName + ' ' + e.textContent)""")
        assert marks == ["STRONG Not loaded."] * len(CORPUS), marks
        quoted = main.locator(".st-key-sentences").inner_text()
        assert "**bold** _it_ `code`" in quoted and "\u202e" not in quoted and "\u2066" not in quoted
        body = main.inner_text()
        assert "[Approve here](http:" in body and "<img src=x onerror=alert(1)>" in body
        assert "officer@" in body and "www" in body
        assert not [u for u in requests if "127.0.0.1:9" in u or "example" in u]
        assert page.locator('[data-testid="stException"]').count() == 0
