"""What a page shows for an error: mapped once, here, from the family of `raa_core.errors`.

Pages catch the errors they expect (`except RaaError`, or one of its classes) and hand them to `show`; the
words and the kind of box come from `message`, so every page speaks of a family the same way:

- `BadInput`: an error box with the error's sentence (what cannot be used, so what to change).
- `Refused`: an error box with the sentence, then who can help (the RAA's administrator).
- `NoData`: an information box with the sentence (which data is missing): nothing went wrong, the figures
  wait for data, as the pages say elsewhere of a council without a drop.
- `Fault`: an error box with the sentence, then what to do: try again, and tell the administrator if it
  happens again.

What a page does not catch itself reaches `shown_on_page` (app.py wraps the page's run in it once), so an error
of a family is still its message, never Streamlit's traceback.

The command line maps the same families to exit codes in `raa_core.cli.exit_code`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from raa_core import logs
from raa_core.errors import Fault, NoData, RaaError, Refused, classify
from raa_core.presentation.display import md_sentence

#: What a person refused can do.
ASK_ADMINISTRATOR = "Ask the RAA's administrator if you need it."
#: What a person can do when the service could not do its work.
TRY_AGAIN = "Try again; if it happens again, tell the RAA's administrator."


@dataclass(frozen=True, slots=True)
class Message:
    """A page's message for an error: the Streamlit box (`level`: st.error, st.warning or st.info), its
    Markdown text and its icon."""

    level: Literal["error", "warning", "info"]
    text: str
    icon: str


def _sentence(text: str, then: str) -> str:
    """`text` ended as a sentence (a full stop unless it ends with one already), then `then` (if any)."""
    return f"{text}{'' if text.rstrip().endswith(('.', '!', '?')) else '.'} {then}".rstrip()


def message(error: RaaError, before: str = "", after: str = "") -> Message:
    """The message a page shows for `error`: `before` + the error's sentence + `after` (what the page was
    doing, e.g. "Not added: " and "."), then what the person can do for its family (module docstring)."""
    text = f"{before}{md_sentence(error.on_page)}{after}"  # the sentence may quote people's text: it stays text
    if isinstance(error, Fault):
        # a sentence that says what to do already (errors.os_sentence: "check the folder's permissions") keeps it
        return Message("error", _sentence(text, "") if error.advises else _sentence(text, TRY_AGAIN),
                       ":material/warning:")
    if isinstance(error, Refused):
        return Message("error", _sentence(text, ASK_ADMINISTRATOR), ":material/block:")
    if isinstance(error, NoData):
        return Message("info", text, ":material/info:")
    return Message("error", text, ":material/error:")


def show(error: BaseException, before: str = "", after: str = "") -> None:
    """Show `message(error, before, after)` in its box. An error outside the families (`errors.classify`
    gives None: a programming error) is raised again, so it surfaces rather than being dressed as advice.
    A `Fault` is also logged as a `fault` event with the error's sentence only (not the page's `before` and
    `after`, which may hold what a person typed): docs/operations.md "Logs and rotation"."""
    family = classify(error)
    if family is None:
        raise error
    if isinstance(family, Fault):
        logs.event("fault", where="app", message=str(family))
    shown = message(family, before, after)
    getattr(st, shown.level)(shown.text, icon=shown.icon)


@contextmanager
def shown_on_page() -> Iterator[None]:
    """Run a page (app.py: `with shown_on_page(): page.run()`): an error of a family the page did not catch
    becomes its message (`show`); a programming error (`classify` gives None) surfaces as it is. Streamlit's
    own stop and rerun signals are BaseExceptions, so they pass through untouched."""
    try:
        yield
    except Exception as exc:  # the one place a page's uncaught error becomes its message (errors.classify)
        if classify(exc) is None:
            raise
        show(exc)
