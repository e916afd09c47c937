"""The one error hierarchy of the product: every error `raa_core` raises on purpose is a `RaaError`.

Four families, each with one meaning for the person who meets it:

- `BadInput`: what was given cannot be used (a malformed request, scenario, manifest, argument or reference
  file). The command line exits 2; a page says what to change.
- `Refused`: the request was understood and refused (a role without the right, a rejected drop, an account
  rule). The command line exits 1; a page says why and what the person can do instead.
- `NoData`: the figures asked for need data the warehouse does not hold (no warehouse yet, no drop by the
  as-at date). The command line exits 1; a page says which data is missing.
- `Fault`: the service could not do its work (disk full, read-only folder, a damaged warehouse version, the
  app-state store busy or unreadable). The command line exits 2; a page tells the person to try again or tell
  the administrator.

Exit codes are mapped once, in `raa_core.cli` (`exit_code`); page messages once, in `raa_app.errors`. No other
code catches `Exception` wholesale. Messages are plain English sentences a person can act on (docs/README.md).
"""

from __future__ import annotations


class RaaError(Exception):
    """Base of every error the product raises on purpose; `str(error)` is the sentence shown to people."""


class BadInput(RaaError, ValueError):
    """Input that cannot be used as given: a request, a file, an argument or reference data."""


class Refused(RaaError):
    """A request understood and refused: missing rights, a rejected drop, an account rule."""


class NoData(RaaError):
    """The figures asked for need data the warehouse does not hold."""


class Fault(RaaError, RuntimeError):
    """The service could not do its work: storage full or read-only, a damaged file, a store busy or unreadable."""
