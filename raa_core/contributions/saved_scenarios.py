"""Named contribution scenarios saved in the app-state store (table `scenarios`, docs/operations.md).

Every save is a new row (who and when kept); the newest row of a name is that name's current scenario,
so a finance lead can re-save a scenario under the same name and the board sees who changed it last.
The JSON stored is exactly what `raa contributions --scenario` reads, so a scenario saved in the app
gives identical figures through the command line (`raa contributions --saved NAME`).
"""

from __future__ import annotations

import pandas as pd

from raa_core import access
from raa_core.contributions.scenario import Scenario, ScenarioError, parse_scenario
from raa_core.errors import BadInput
from raa_core.reference import Reference
from raa_core.requests import Viewer
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState, now_text

COLUMNS = ["name", "saved_by", "saved_at", "saves"]


def save(state: AppState, scenario: Scenario, viewer: Viewer, ref: Reference | None = None) -> int:
    """Save a scenario under its name as the signed-in `viewer` (a new row; earlier saves stay as history);
    returns the row id; audited. Raises access.AccessDenied unless the viewer's role may write scenarios (docs/operations.md:
    finance leads and the Head of Service; the board reads them)."""
    access.require_scenarios_write(viewer, ref)
    who = viewer.user.strip()
    if not who:
        raise BadInput("a saved scenario needs the name of who saved it")
    with state.connect() as con:
        cur = sql.sqlite_execute(con, "INSERT INTO scenarios (name, spec_json, saved_by, saved_at) "
                          " VALUES (:name, :spec_json, :saved_by, :saved_at)",
                          {"name": scenario.name, "spec_json": scenario.to_json(), "saved_by": who,
                           "saved_at": now_text()})
        new_id = int(cur.lastrowid or 0)
    appstate.record(state, actor=who, role=viewer.role, action="scenario_saved", page="scenarios",
                    detail=f"Scenario “{scenario.name}” saved.")
    return new_id


def saved(state: AppState) -> pd.DataFrame:
    """One row per name, newest first: name, who saved it last and when (UTC ISO text), number of saves."""
    with state.connect() as con:
        rows = sql.sqlite_execute(con, """
            SELECT s.name, s.saved_by, s.saved_at, n.saves
            FROM scenarios s
            JOIN (SELECT name, max(id) AS id, count(*) AS saves FROM scenarios GROUP BY name) n USING (id)
            ORDER BY s.id DESC""").fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)


def load(state: AppState, name: str) -> Scenario:
    """The newest save of a name, validated again; ScenarioError (field `saved`) naming the saved names
    when there is none, or naming the field when the saved JSON no longer validates."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT spec_json FROM scenarios WHERE name = :name ORDER BY id DESC LIMIT 1",
                          {"name": name}).fetchone()
    if row is None:
        have = ", ".join(repr(n) for n in saved(state)["name"]) or "none yet"
        raise ScenarioError("saved", f"no scenario is saved as {name!r} (saved: {have})")
    return parse_scenario(row[0])


def history(state: AppState, name: str) -> pd.DataFrame:
    """Every save of a name, newest first: saved_by, saved_at and the JSON saved."""
    with state.connect() as con:
        rows = sql.sqlite_execute(con, "SELECT saved_by, saved_at, spec_json FROM scenarios WHERE name = :name ORDER BY id DESC",
                           {"name": name}).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=["saved_by", "saved_at", "spec_json"])
