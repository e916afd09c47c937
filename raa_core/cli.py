"""`python -m raa_core` / `raa`: the automation interface described in docs/command-line.md.

Exit codes (`exit_code`): 0 success; 1 something was refused (a rejected drop, a role without the right) or
the data asked for is not held (no warehouse yet); 2 bad usage, unreadable input or a failure of the machine. With --json, machine-readable output goes to stdout and human messages to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from raa_core import clock, snapshot
from raa_core.errors import BadInput, Fault, NoData, RaaError, Refused, classify, fault_line
from raa_core.presentation import (
    count_noun,
    display,
    gbp,
    indicator_text,
    money_text,
    percent_text,
    quarter_text,
    share_text,
    utc_time,
)
from raa_core.reference import load_reference
from raa_core.requests import DataRequest, PerformanceRequest, check_as_at
from raa_core.store.warehouse import DEFAULT_DB, NoWarehouse, Warehouse, health, owner_folder, write_private

if TYPE_CHECKING:

    from raa_core.contributions.scenario import Scenario
    from raa_core.ingest.drops import DropResult, IngestReport
    from raa_core.periods import Period
    from raa_core.snapshot import Snapshot


class UsageError(BadInput):
    """Bad arguments or unreadable input: exit 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from exc


def _db(text: str) -> str:
    """`--db`: the warehouse file (the link). A folder is refused: a trailing slash would otherwise make the warehouse
    a file named after the folder, beside it (docs/command-line.md)."""
    if text.endswith(("/", os.sep)) or os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: give the warehouse file in it, such as "
                                         f"{os.path.join(text, 'raa.duckdb')}")
    return text


def _emit(args: argparse.Namespace, payload: object, human: str) -> None:
    if args.json:
        json.dump(payload, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(human.rstrip("\n") + "\n")


def cmd_sample(args: argparse.Namespace) -> int:
    from raa_core.ingest import sample

    as_at = args.as_at or sample.DEFAULT_AS_AT
    written = sample.generate(Path(args.out_dir), as_at)
    _emit(args, {"out_dir": str(args.out_dir), "as_at": as_at.isoformat(),
                 "drops": [str(p.relative_to(args.out_dir)) for p in written]},
          f"wrote {count_noun(len(written), 'drop')} to {args.out_dir} (as at {as_at})")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from raa_core.ingest import drops

    root = Path(args.drops_dir)
    if not root.is_dir():
        raise UsageError(f"drops folder not found: {root}")
    problem = health(Path(args.db)).problem
    if problem:
        print(f"raa ingest: WARNING: {problem}", file=sys.stderr)
    from raa_core.access import accounts
    from raa_core.store.appstate import FILE_NAME, AppState

    state_file = Path(args.db).parent / FILE_NAME
    # only an existing store can be in demo mode (opening one would create its folder before the warehouse's check)
    if state_file.is_file() and accounts.demo_mode(AppState(state_file)):
        print(f"raa ingest: {accounts.LEAVING_DEMO}", file=sys.stderr)
    report = drops.ingest(Path(args.db), root, load_reference(), today=args.today,
                          actor=f"raa ingest (user {getpass.getuser()})")
    report = _shown(report, args.show_identifiers)
    lines = _report_lines(report.results)
    counts = {k: len(report.by(k)) for k in ("accepted", "unchanged", "rejected")}
    lines.append(", ".join(f"{v} {k}" for k, v in counts.items()))
    if args.json:
        print(lines[-1], file=sys.stderr)
    _emit(args, report.as_cli(), "\n".join(lines))
    return 1 if counts["rejected"] else 0


def _shown(report: IngestReport, identifiers: bool) -> IngestReport:
    """The report as printed: row numbers and the rows' keys only with `--show-identifiers`, else counts
    (`access.issue_shown`: the one rule for where identifiers appear)."""
    from raa_core.access import issue_shown

    return report.model_copy(update={"results": [r.model_copy(update={
        "errors": [issue_shown(i, identifiers) for i in r.errors],
        "warnings": [issue_shown(i, identifiers) for i in r.warnings]}) for r in report.results]})


def _report_lines(results: Sequence[DropResult]) -> list[str]:
    lines = []
    for r in results:
        extra = " (new version)" if r.new_version else ""
        form = f" ({r.form_text()})" if r.children_form else ""
        lines.append(f"{r.outcome:9} {r.path}{extra}{form}")
        lines += [f"    {i.located()}" for i in [*r.errors, *r.warnings]]
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    """`raa check DROP_DIR_OR_ZIP`: the report ingest would give for one drop, without loading it."""
    from raa_core.ingest import drops, uploads

    path = Path(args.drop)
    if not (path.is_dir() or path.is_file()):
        raise UsageError(f"no drop folder or zip at {path}")
    ref = load_reference()
    if args.council is not None and args.council not in ref.la_codes:
        raise UsageError(f"--council {args.council} is not one of this agency's councils (" + ", ".join(
            f"{c.la_code} {c.short_name}" for c in ref.councils) + ")")
    result = uploads.check_path(path, ref, args.today or clock.today(), args.council,
                                args.extract_date)
    report = _shown(drops.IngestReport(results=[result]), args.show_identifiers)
    lines = _report_lines(report.results)
    if args.json:
        print(lines[0], file=sys.stderr)
    _emit(args, report.as_cli(), "\n".join(lines))
    return 1 if result.outcome == "rejected" else 0


def _staleness(snap: Snapshot, datasets: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    """What a command printing figures says of stale data, as the pages do (freshness wherever figures appear:
    docs/drop-contract.md#freshness): one sentence per dataset with a stale council
    (`freshness.stale_councils_text`), and the same as JSON records (`freshness.stale_councils`). Judged on the
    snapshot's day (today, or the hidden `--today` of tests)."""
    from raa_core.ingest import freshness

    lines: list[str] = []
    records: list[dict[str, str]] = []
    for dataset in datasets:
        status = freshness.council_status(snap, dataset)
        if text := freshness.stale_councils_text(status, dataset, snap.ref):
            lines.append(text)
        records += freshness.stale_councils(status, dataset)
    return lines, records


def _today(args: argparse.Namespace) -> dt.date:
    """The day a command judges freshness on: today in London, or the hidden `--today` of tests."""
    return getattr(args, "today", None) or clock.today()


def _snapshot(args: argparse.Namespace) -> Snapshot:
    """The warehouse's current version pinned for this command (every figure it prints is read from it), judged on
    the day the app would judge it on (`snapshot.pin`: the sample's own date while only the sample is held)."""
    return snapshot.pin(Warehouse(args.db), load_reference(), _today(args))


def _performance_staleness(snap: Snapshot, args: argparse.Namespace) -> tuple[list[str], list[dict[str, str]]]:
    """`_staleness` of performance data; an as-at run reads history, judged by its own date's drops, so it
    carries none."""
    return ([], []) if args.as_at is not None else _staleness(snap, ("performance",))


def cmd_kpi(args: argparse.Namespace) -> int:
    from raa_core.ingest import coverage
    from raa_core.performance import indicators, recruitment

    request = PerformanceRequest.of(period=args.period, as_at=args.as_at, thresholds=args.thresholds)
    snap = _snapshot(args)
    payload = indicators.kpi_report(snap, request)
    stale, payload["stale"] = _performance_staleness(snap, args)
    head = f"{'indicator':9} {'area':12} {'value':>6} {'median':>6} {'n':>5} {'thresh':>6} {'diff':>5}  low_n"
    lines = [f"{payload['period']}  {payload['start']} to {payload['end']}", head]
    lines.insert(1, f"thresholds: {payload['threshold_set']} = {payload['thresholds']}")
    lines[2:2] = stale
    for r in payload["rows"]:
        # no data is not zero (docs/indicators.md): an area without a drop, or with no child adopted, says so
        r["note"] = payload["no_data"].get(r["area"]) or (
            coverage.no_children_message("adopted", payload["period"]) if not r["n"] else "")
        value = "" if r["value"] is None else indicator_text(r["indicator"], r["value"], unit=False)
        if r.get("count") is not None and r["value"] is not None:  # a count of children beside its percentage
            value = f"{r['count']} ({value})"
        lines.append(
            f"{r['indicator']:9} {r['area']:12} {value:>6} {_s(r['median']):>6} {r['n']:>5} "
            f"{_s(r['threshold']):>6} {_s(r['difference']):>5}  {'LOW' if r['low_n'] else ''}"
            + (f"  {r['note']}" if r["note"] else ""))
    payload["adopter_and_context"] = recruitment.extra_report(recruitment.extra_indicators(snap, request))
    lines += ["", "adopter and context indicators (DfE scorecard)", f"{'indicator':9} {'area':12} {'value':>6} {'n':>5}"]
    for r in payload["adopter_and_context"]:
        value = "" if r["value"] is None else f"{r['value']}{'%' if r['unit'] == '%' else ''}"
        lines.append(f"{r['indicator']:9} {r['area']:12} {value:>6} {_s(r['n']):>5}"
                     + (f"  {r['note']}" if r["note"] else ""))
    lines += ["", *recruitment.EXTRA_DEFINITIONS.values()]
    _emit(args, payload, "\n".join(lines))
    return 0


def _s(v: object) -> str:
    return "" if v is None else str(v)


def cmd_asglb(args: argparse.Namespace) -> int:
    """`raa asglb --quarter 2026-27Q2 --out FILE.xlsx [--as-at DATE] [--json]`: the ASGLB quarterly return."""
    from raa_core.performance import asglb

    q = asglb.parse_quarter(args.quarter)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"folder not found for --out: {out.parent}")
    snap = _snapshot(args)
    if args.rows:
        return _asglb_rows(args, snap, q, out)
    ret = asglb.asglb_return(snap, DataRequest(as_at=args.as_at), q)
    stale, stale_records = _performance_staleness(snap, args)
    write_private(out, asglb.workbook(ret, q, args.as_at))
    payload = asglb.as_json(ret, q, args.as_at) | {"out": str(out), "stale": stale_records}
    figures = ret[ret["status"] == "figure"]
    human = "\n".join([
        f"ASGLB return {q.name} ({q.start} to {q.end}): {figures['item'].nunique()} items computed, "
        f"{ret[ret['status'] == 'not held']['item'].nunique()} not held, "
        f"{len(ret[ret['status'] == 'not provided'])} cells not provided, "
        f"{len(ret[ret['status'] == 'no data'])} council cells without data; written to {out}", *stale])
    if args.json:
        print(human, file=sys.stderr)
    _emit(args, payload, human)
    return 0


def _asglb_rows(args: argparse.Namespace, snap: Snapshot, q: Period, out: Path) -> int:
    """`raa asglb --quarter Q --rows --out FILE.xlsx`: the row-level template (personal data), checked by the
    drops' own rules before it is written, written owner-only and audited as an export by the operator (the
    command line runs as the server's operator, who holds the warehouse and so every council's child-level
    rows: docs/operations.md)."""
    from raa_core.performance import asglb
    from raa_core.store import appstate
    from raa_core.store.appstate import AppState
    from raa_core.store.warehouse import owner_only

    book = asglb.quarter_rows(snap, DataRequest(as_at=args.as_at), args.quarter)
    owner_only(out, create=True)  # personal data: owner-only before a byte is written
    out.write_bytes(book)
    appstate.record(AppState.beside(Warehouse(Path(args.db))), actor=f"cli:{getpass.getuser()}", role=None,
                    action="export", page="raa asglb", la_code=None,
                    detail=f"Wrote the ASGLB row-level template for {quarter_text(q.name)} (child-level data) to {out.name}.")
    _emit(args, {"quarter": q.name, "out": str(out), "rows": True},
          f"ASGLB row-level template {q.name} written to {out} (personal data: send securely)")
    return 0


def cmd_budget(args: argparse.Namespace) -> int:
    from raa_core.finance import monitoring
    from raa_core.requests import MonitoringRequest

    snap = _snapshot(args)
    ref = snap.ref
    request = MonitoringRequest(year=args.year, period=args.period, method=args.method)
    payload = monitoring.budget_report(snap, request)
    stale, payload["stale"] = _staleness(snap, ("finance",))
    when = f"period {payload['period']}" if payload["period"] else "budget only (no ledger loaded for this year)"
    lines = [f"{payload['year']} {when}", *stale,
             f"{'council':8} {'area':17} {'budget':>15} {'forecast':>15} {'variance':>15}"]
    for t in payload["totals"]:
        lines.append(
            f"{display.label('council', t['la_code'], ref):8} {display.label('scope', t['budget_area']):17} "
            f"{gbp(t['budget']):>15} {gbp(t['forecast']):>15} {gbp(t['variance']):>15}")
    asf = payload.get("asf") or []
    if asf:
        lines.append("Adoption Support Fund (outside the cash-limited budget), year to date:")
        for a in asf:
            flag = "  UNFUNDED" if a["unfunded"] else ""
            lines.append(f"{display.label('council', a['la_code'], ref):8} spend {gbp(a['spend']):>13} "
                         f"income {gbp(a['income']):>13} net {gbp(a['net']):>13}{flag}")
    _emit(args, payload, "\n".join(lines))
    return 0


def _scenario_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read scenario file {path}: {exc}") from exc


def cmd_boardpack(args: argparse.Namespace) -> int:
    """`raa boardpack --period P [--as-at DATE] --out DIR`: the board pack's workbook and PDF."""
    from raa_core import boardpack
    from raa_core.boardpack import boardpack_files
    from raa_core.presentation import BOARD_UNIT, money_unit

    request = boardpack.PackRequest(
        period=args.period, as_at=args.as_at, unit=money_unit(args.unit, BOARD_UNIT),
        publication=args.role == "board" or args.publication, role=args.role, method=args.method,
        scenario=_scenario_text(args.scenario) if args.scenario else None,
    )
    boardpack.pack_period(args.period)  # a period that is not one raises BadInput before anything is built
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder: name a folder for the board pack's files")
    owner_folder(out)
    from raa_core.store.appstate import AppState
    from raa_core.store.warehouse import Warehouse

    wh = Warehouse(Path(args.db))
    pack = boardpack.build(
        _snapshot(args), request, state=AppState.beside(wh),
        progress=None if args.json else lambda i, n, label: print(f"[{i}/{n}] {label}", file=sys.stderr),
    )
    files = {}
    for ext, write in (("xlsx", boardpack_files.boardpack_xlsx), ("pdf", boardpack_files.boardpack_pdf)):
        path = out / boardpack_files.pack_file_name(pack, ext)
        write_private(path, write(pack))
        files[ext] = str(path)
    missing = [{"section": s.title, "reason": s.unavailable} for s in pack.sections if s.unavailable]
    payload = {"period": pack.period.name, "as_at": pack.as_at.isoformat(), "unit": pack.unit.value,
               "publication": request.publication, "files": files, "unavailable": missing}
    human = [f"board pack {pack.period.name} as at {pack.as_at}: {files['xlsx']}, {files['pdf']}"]
    human += [f"not available: {m['section']}: {m['reason']}" for m in missing]
    _emit(args, payload, "\n".join(human))
    return 0


# --- raa users: the embedded sign-in's users (docs/operations.md) ------------------------------------------


def _read_password() -> str:
    """The new password from standard input (never an argument: it would show in `ps` and shell history)."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise UsageError("the two passwords differ")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise UsageError("give the password on standard input, e.g. printf '%s\\n' \"$PASSWORD\" | raa users add ...")
    return line.rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from raa_core.access import accounts
    from raa_core.store import appstate
    from raa_core.store.appstate import AppState
    from raa_core.store.warehouse import Warehouse

    wh = Warehouse(Path(args.db))
    if not wh.exists():  # a mistyped --db would otherwise make a user store the app never reads
        raise NoWarehouse(f"no warehouse at {args.db}: users live beside the app's warehouse (give --db as the app's "
                         "RAA_DB; a new server builds it on first start or with raa ingest)")
    state = AppState.beside(wh)
    operator = f"cli:{getpass.getuser()}"
    if set_aside := appstate.set_aside_notice(state):  # accounts lost with a damaged store: say so first
        print(f"raa users: WARNING: {set_aside}", file=sys.stderr)
    if args.users_command == "list":
        found = accounts.users(state)
        payload = [u.model_dump(mode="json") | {"locked": accounts.is_locked(u)} for u in found]
        lines = [f"{'user':24} {'role':16} {'council':7} {'state':22} demo"]
        for u, p in zip(found, payload, strict=True):
            state_text = f"locked until {utc_time(u.locked_until)}" if p["locked"] else (
                f"{u.failed_attempts} failed" if u.failed_attempts else "active")
            lines.append(f"{u.username:24} {u.role:16} {_s(u.la_code):7} {state_text:22} {'yes' if u.demo else ''}")
        _emit(args, {"users": payload}, "\n".join(lines))
        return 0
    name = args.name.strip()
    if args.users_command == "add":
        password = _read_password()
        accounts.add_user(state, name, password, args.role, args.council, load_reference())
        done = True
        detail = f"added {name} as {args.role}" + (f" of council {args.council}" if args.council else "")
    elif args.users_command == "remove":
        done = accounts.remove_user(state, name)
        detail = f"removed {name}"
    else:
        done = accounts.unlock(state, name)
        detail = f"unlocked {name}"
    if not done:
        print(f"raa users {args.users_command}: no user {name!r}", file=sys.stderr)
        _emit(args, {"user": name, "done": False}, f"no user {name}")
        return 1
    appstate.record(state, actor=operator, role=None, action="users", page="raa users", la_code=args.council
                    if args.users_command == "add" else None, detail=detail)
    _emit(args, {"user": name, "done": True}, detail)
    return 0


# --- raa backup / raa restore (docs/operations.md "Back up and restore") ---------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    """`raa backup DIR`: the current warehouse version, its link and ledger and the app-state store, with a
    manifest, into a new or empty folder (raa_core/store/backup.py)."""
    from raa_core.presentation import bytes_text
    from raa_core.store import backup

    manifest = backup.backup(Path(args.db), Path(args.out_dir))
    total = sum(f["bytes"] for f in manifest["files"])
    store = "and the app-state store " if manifest["store"] else "(no app-state store yet) "
    _emit(args, manifest | {"out_dir": str(args.out_dir)},
          f"backed up warehouse version {manifest['warehouse']['version']} {store}to {args.out_dir} "
          f"({bytes_text(total)}, taken {manifest['taken_at']})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """`raa restore DIR [--db PATH] [--force]`: check a backup against its manifest and restore it; refuses to
    replace an existing warehouse or store without --force (exit 1)."""
    from raa_core.store import backup

    folder = Path(args.backup_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: give the folder raa backup wrote")
    if not folder.is_dir():
        raise UsageError(f"backup folder not found: {folder}")
    done = backup.restore(folder, Path(args.db), force=args.force)
    payload = {"version": done.version.name, "db": str(args.db), "store": str(done.store) if done.store else None,
               "taken_at": done.manifest["taken_at"], "from": done.manifest["warehouse"]["version"]}
    _emit(args, payload, f"restored warehouse version {payload['from']} (taken {payload['taken_at']}) as "
                         f"{done.version.name} at {args.db}" + (f", and the app-state store {done.store}"
                                                                if done.store else ""))
    return 0


def add_backup_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help="back up the warehouse and the app-state store")
    p.add_argument("out_dir", metavar="DIR", help="a new or empty folder to write the backup into")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="restore a backup (checked against its manifest)")
    p.add_argument("backup_dir", metavar="DIR", help="a folder written by raa backup")
    p.add_argument("--force", action="store_true", help="replace an existing warehouse and app-state store")
    p.set_defaults(func=cmd_restore)


# --- raa contributions (docs/finance.md) ---------------------------------------------------------------------


def _scenario_from_args(args: argparse.Namespace) -> Scenario:
    from raa_core.contributions.scenario import parse_scenario

    if args.saved is not None:
        from raa_core.contributions import saved_scenarios
        from raa_core.store.appstate import AppState

        return saved_scenarios.load(AppState.beside(Warehouse(args.db)), args.saved)
    path = Path(args.scenario)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read scenario file {path}: {exc}") from exc
    return parse_scenario(text)


def cmd_contributions(args: argparse.Namespace) -> int:
    from raa_core import contributions
    from raa_core.contributions.scenario import ContributionsRequest, ScenarioError

    snap = _snapshot(args)
    ref = snap.ref
    try:
        scenario = _scenario_from_args(args)
        result = contributions.run(snap, ContributionsRequest(scenario=scenario))
        # the drivers are counted from performance data and the base from budgets: both can be stale
        stale, stale_records = _staleness(snap, ("performance", "finance"))
    except ScenarioError as exc:
        raise UsageError(f"invalid scenario: {exc}") from exc
    payload = contributions.as_cli(result) | {"stale": stale_records}
    names = contributions.council_names(ref, result.la_codes)
    scope = display.label("contribution_scope", result.scenario.scope)
    lines = [f"{result.scenario.name} (base year {result.scenario.base_year}, {scope})", *stale,
             f"{'year':8} {'council':8} {'contribution':>14} {'share':>7} {'baseline':>8} {'demand':>7} "
             f"{'change':>7} bound"]
    for r in result.rows:
        change = "" if r.change_prev_pct is None else percent_text(r.change_prev_pct, 1, signed=True)
        amount = money_text(r.contribution, symbol=False, brackets=False)
        lines.append(f"{r.year:8} {names[r.la_code]:8} {amount:>14} {share_text(r.share):>7} "
                     f"{share_text(r.baseline_share):>8} {share_text(r.demand_share):>7} {change:>7} {display.label('bound', r.bound)}")
    flagged = sorted({f for r in result.rows for f in r.flags})
    if flagged:
        lines.append("Flagged figures: " + "; ".join(flagged))
    _emit(args, payload, "\n".join(lines))
    return 0


def add_contributions_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("contributions", parents=[common], help="demand-led contributions of a scenario")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", metavar="FILE.json", help="a scenario saved as JSON (docs/command-line.md)")
    which.add_argument("--saved", metavar="NAME", help="a scenario saved in the app, by name (its newest save)")
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_contributions)


def cmd_forecast(args: argparse.Namespace) -> int:
    """`raa forecast`: the pipeline forecast (docs/forecast.md), or with --backtest its record."""
    from raa_core import snapshot
    from raa_core.errors import BadInput, NoData
    from raa_core.forecast import ForecastRequest, forecast
    from raa_core.forecast.backtest import backtest
    from raa_core.presentation.forecast_text import backtest_lines, forecast_lines

    ref = load_reference()
    try:
        request = ForecastRequest(as_at=args.as_at, months=args.months,
                                  step="quarter" if args.quarterly else "month", seed=args.seed)
    except BadInput as exc:
        raise UsageError(str(exc)) from exc
    snap = snapshot.pin(Warehouse(args.db), ref, args.today or clock.today())
    try:
        if args.backtest:
            record = backtest(snap)
            _emit(args, record.as_json(), "\n".join(backtest_lines(record)))
        else:
            result = forecast(snap, request)
            _emit(args, result.as_json(), "\n".join(forecast_lines(result, ref)))
    except NoData as exc:
        raise UsageError(str(exc)) from exc
    return 0


def add_forecast_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("forecast", parents=[common], help="the pipeline forecast (docs/forecast.md)")
    p.add_argument("--as-at", type=_date, default=None, help="forecast from the data held on this date")
    p.add_argument("--months", type=int, default=12, metavar="N", help="months ahead, 12 to 36 (default 12)")
    p.add_argument("--quarterly", action="store_true", help="rows per quarter instead of per month")
    p.add_argument("--seed", type=int, default=None, help="the simulation's seed (default: the setting)")
    p.add_argument("--backtest", action="store_true",
                   help="forecasts from each quarter of the last three years against what happened")
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_forecast)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=_db, default=str(DEFAULT_DB), help="warehouse file (default: the app's)")
    common.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser = argparse.ArgumentParser(prog="raa", description="Regional Adoption Agency data product: drops, scorecard, budget")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", parents=[common], help="write the calibrated synthetic drops")
    p.add_argument("out_dir")
    p.add_argument("--as-at", type=_date, default=None)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("ingest", parents=[common], help="validate and load every drop under DROPS_DIR")
    p.add_argument("drops_dir")
    p.add_argument("--show-identifiers", action="store_true",
                   help="print the rows and child identifiers each issue names (default: how many rows)")
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("check", parents=[common], help="validate one drop folder or a zip of one, without loading")
    p.add_argument("drop", metavar="DROP_DIR_OR_ZIP")
    p.add_argument("--show-identifiers", action="store_true",
                   help="print the rows and child identifiers each issue names (default: how many rows)")
    p.add_argument("--council", type=int, default=None, help="council code of a zip whose folders do not name it")
    p.add_argument("--extract-date", type=_date, default=None,
                   help="extract date of a zip with no manifest.json and no dated folder")
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("kpi", parents=[common], help="scorecard indicators for a period")
    p.add_argument("--period", required=True, help="financial year 2018-19 or 3-year period 2015-18")
    p.add_argument("--as-at", type=_date, default=None)
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--thresholds", default="dfe", choices=["dfe", "business_case"],
        help="named threshold set (default dfe: 14 months = 426 days; business_case: 425 / 121)")
    p.set_defaults(func=cmd_kpi)

    p = sub.add_parser("asglb", parents=[common], help="the ASGLB quarterly return as a workbook")
    p.add_argument("--quarter", required=True, help="financial year and quarter, e.g. 2026-27Q2 (Q1 = April-June)")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--rows", action="store_true",
                   help="write the row-level template (a row per child and adopter household: personal data)")
    p.add_argument("--as-at", type=_date, default=None)
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_asglb)

    p = sub.add_parser("budget", parents=[common], help="budget monitoring for a year")
    p.add_argument("--year", required=True, help="financial year YYYY-YY")
    p.add_argument("--period", type=int, default=None, choices=range(1, 13), metavar="N")
    p.add_argument("--method", default="default", choices=["default", "submitted", "run_rate", "establishment"])
    p.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_budget)

    p = sub.add_parser("boardpack", parents=[common], help="the Partnership Board pack as a workbook and a PDF")
    p.add_argument("--period", required=True, help="financial year 2026-27 or 3-year period 2024-27")
    p.add_argument("--as-at", type=_date, default=None, help="figures from the drops received by this date")
    p.add_argument("--out", required=True, help="folder to write the .xlsx and .pdf into")
    p.add_argument("--unit", default="thousands", choices=["pounds", "thousands"],
                   help="money in £ or £'000 (default: £'000, as the board reads it)")
    p.add_argument("--role", default="board", choices=["board", "hos", "finance", "council_analyst", "admin"],
                   help="who the pack is for; the board's pack is always suppressed for publication")
    p.add_argument("--publication", action="store_true", help="suppress small numbers for any role")
    p.add_argument("--method", default="default", choices=["default", "submitted", "run_rate", "establishment"])
    p.add_argument("--scenario", metavar="FILE.json", help="the contribution scenario to include (docs/command-line.md)")
    p.set_defaults(func=cmd_boardpack)
    p = sub.add_parser("users", help="the embedded sign-in's users (password on standard input)")
    users = p.add_subparsers(dest="users_command", required=True)
    u = users.add_parser("add", parents=[common], help="add a user; the password is read from standard input")
    u.add_argument("name")
    u.add_argument("--role", required=True, help="board, hos, finance, council_analyst (needs --council) or admin")
    u.add_argument("--council", type=int, default=None, metavar="LA_CODE", help="the council of a council_analyst")
    for verb, text in (("remove", "delete a user"), ("unlock", "lift a user's lock-out"), ("list", "list the users")):
        u = users.add_parser(verb, parents=[common], help=text)
        if verb != "list":
            u.add_argument("name")
        u.set_defaults(council=None)
    p.set_defaults(func=cmd_users)
    add_contributions_parser(sub, common)
    add_backup_parsers(sub, common)
    add_forecast_parser(sub, common)
    return parser


def exit_code(error: RaaError) -> int:
    """The exit code of a command stopped by `error` (README, docs/command-line.md): 1 when something was
    refused or the data asked for is not held (`Refused`, `NoData`), as for a rejected drop; 2 for bad usage,
    unreadable input or a failure of the machine (`BadInput`, `Fault`)."""
    return 1 if isinstance(error, Refused | NoData) else 2


def _fail(args: argparse.Namespace, error: RaaError) -> int:
    """One line on stderr and the family's exit code, never a traceback; a `Fault` with --json also writes an
    error object on stdout (`{"error": {"kind": "operational", "message"}}`), so a scheduler can tell a failure
    of the machine from a rejected drop without parsing text."""
    line = fault_line(error) if isinstance(error, Fault) else " ".join(str(error).split())
    print(f"raa {args.command}: {line}", file=sys.stderr)
    if isinstance(error, Fault):
        from raa_core import logs

        logs.event("fault", where=f"raa {args.command}", message=line)
        if getattr(args, "json", False):
            json.dump({"error": {"kind": "operational", "message": line}}, sys.stdout)
            sys.stdout.write("\n")
    return exit_code(error)


def main(argv: Sequence[str] | None = None) -> int:
    from raa_core import logs

    logs.configure(stderr=False)  # events only to a named file: standard error is for people (one line an error)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and 2
    try:
        if getattr(args, "as_at", None) is not None and args.command != "sample":
            check_as_at(args.as_at, _today(args))  # every command's --as-at, one range (requests.check_as_at)
        return int(args.func(args))
    except BrokenPipeError:
        # the reader went away (`raa kpi | head`): stop quietly, and keep the exit flush from failing too
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the one place a command's errors become an exit code (errors.classify)
        error = classify(exc)
        if error is None:  # a programming error: its traceback is the useful report
            raise
        return _fail(args, error)
