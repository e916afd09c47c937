"""Hostile drop trees: each builder writes one bad entry beside good drops and says how it must be rejected."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

import dropkit as dk

#: path reported -> rule expected among its errors
Expect = dict[str, str]
Builder = Callable[[Path], Expect]


def named_pipe(root: Path) -> Expect:
    folder = dk.write_drop(root, 303, "2022-10-03", children=None)
    os.mkfifo(folder / "children.parquet")
    return {"303/2022-10-03": "not_a_regular_file"}


def link_to_other_council(root: Path) -> Expect:
    """Medway's folder links to Kent's children file: refused, so Kent's children never load as Medway's."""
    kent = dk.write_drop(root, 886, "2022-10-04")
    medway = dk.write_drop(root, 887, "2022-10-04", children=None)
    (medway / "children.parquet").symlink_to(kent / "children.parquet")
    return {"887/2022-10-04": "symlink_refused"}


def link_inside_folder(root: Path) -> Expect:
    folder = dk.write_drop(root, 887, "2022-10-05", adopters=None)
    (folder / "adopters.parquet").symlink_to("children.parquet")
    return {"887/2022-10-05": "symlink_refused"}


def linked_drop_folder(root: Path) -> Expect:
    outside = dk.write_drop(root.parent / "elsewhere", 886, "2022-10-01")
    (root / "886").mkdir(parents=True, exist_ok=True)
    (root / "886" / "2022-10-01").symlink_to(outside, target_is_directory=True)
    return {"886/2022-10-01": "not_a_drop_folder"}


def dotted_council(root: Path) -> Expect:
    dk.write_drop(root, "..886", "2022-10-07")
    return {"..886/2022-10-07": "unknown_council"}


def bad_names(root: Path) -> Expect:
    dk.write_drop(root, "0886", "2022-10-07")
    dk.write_drop(root, "\u0668\u0668\u0666", "2022-10-07")  # Arabic-Indic digits that int() reads as 886
    dk.write_drop(root, 886, "2022-13-01")
    dk.write_drop(root, 886, "latest")
    return {"0886/2022-10-07": "unknown_council", "\u0668\u0668\u0666/2022-10-07": "unknown_council",
            "886/2022-13-01": "invalid_extract_date", "886/latest": "invalid_extract_date"}


def stray_entries(root: Path) -> Expect:
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.txt").write_text("not a drop")
    (root / "303").mkdir(exist_ok=True)
    (root / "303" / "notes.txt").write_text("not a drop either")
    (root / "999").mkdir()
    return {"README.txt": "not_a_drop_folder", "303/notes.txt": "not_a_drop_folder", "999": "empty_folder"}


def huge_manifest(root: Path) -> Expect:
    folder = dk.write_drop(root, 303, "2022-10-06", manifest=True)
    doc = json.loads((folder / "manifest.json").read_text())
    doc["padding"] = "x" * 1_100_000
    (folder / "manifest.json").write_text(json.dumps(doc))
    return {"303/2022-10-06": "manifest_too_large"}


def deep_manifest(root: Path) -> Expect:
    folder = dk.write_drop(root, 886, "2022-10-06")
    (folder / "manifest.json").write_text("[" * 200_000 + "]" * 200_000)
    return {"886/2022-10-06": "unreadable_manifest"}


def long_strings(root: Path) -> Expect:
    rows = dk.children()
    rows[1] = {**rows[1], "ethnicity": "W" * 2_001}
    dk.write_drop(root, 887, "2022-10-06", children=rows)
    return {"887/2022-10-06": "value_too_long"}


def not_parquet(root: Path) -> Expect:
    folder = dk.write_drop(root, 303, "2022-10-05")
    (folder / "adopters.parquet").write_bytes(b"PAR1" + b"\0" * 10)
    return {"303/2022-10-05": "unreadable_file"}


HOSTILE: dict[str, Builder] = {
    "named_pipe": named_pipe,
    "link_to_other_council": link_to_other_council,
    "link_inside_folder": link_inside_folder,
    "linked_drop_folder": linked_drop_folder,
    "dotted_council": dotted_council,
    "bad_names": bad_names,
    "stray_entries": stray_entries,
    "huge_manifest": huge_manifest,
    "deep_manifest": deep_manifest,
    "long_strings": long_strings,
    "not_parquet": not_parquet,
}


def good_drops(root: Path) -> list[str]:
    """Good drops for every council on several dates (one with a manifest), none clashing with the builders."""
    paths = []
    for la in (303, 886, 887):
        for day in ("2022-09-02", "2022-09-09", "2022-09-16"):
            dk.write_drop(root, la, day, manifest=day == "2022-09-09")
            paths.append(f"{la}/{day}")
    return paths


def huge_values(n: int = 300, size: int = 1_000_000) -> pa.Table:
    """Children with n string values of `size` characters (a hostile drop's padding)."""
    rows = [{**dk.children()[0], "child_id": f"KC-{i:05d}"} for i in range(n)]
    t = dk.table("children", rows)
    pad = pa.array([("P" * (size - 6)) + f"{i:06d}" for i in range(n)])
    return t.set_column(t.schema.get_field_index("ethnicity"), "ethnicity", pad) if "ethnicity" in t.schema.names \
        else t.append_column("ethnicity", pad)
