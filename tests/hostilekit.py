"""Hostile drop trees: each builder writes one bad entry beside good drops and says how it must be rejected."""

from __future__ import annotations

import base64
import json
import os
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

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


class _OpenKms(pe.KmsClient):
    """A key service that wraps keys in plain base64: enough to write an encrypted file for a test."""

    def __init__(self, config: pe.KmsConnectionConfig) -> None:
        super().__init__()

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> bytes:
        return base64.b64encode(key_bytes)

    def unwrap_key(self, wrapped_key: bytes, master_key_identifier: str) -> bytes:
        return base64.b64decode(wrapped_key)


def write_encrypted(path: Path, table: pa.Table, *, plaintext_footer: bool = True) -> None:
    """Write `table` with Parquet modular encryption (child_id's column encrypted). With a plaintext footer,
    Arrow aborts the process (`Cannot decrypt ColumnMetadata`) when it reads that column's metadata."""
    factory = pe.CryptoFactory(lambda config: _OpenKms(config))
    config = pe.EncryptionConfiguration(footer_key="footer", column_keys={"col": [table.schema.names[0]]},
                                        plaintext_footer=plaintext_footer, double_wrapping=False)
    props = factory.file_encryption_properties(pe.KmsConnectionConfig(), config)
    with pq.ParquetWriter(path, table.schema, encryption_properties=props) as writer:
        writer.write_table(table)


def encrypted_plaintext_footer(root: Path) -> Expect:
    folder = dk.write_drop(root, 886, "2022-10-08", children=None)
    write_encrypted(folder / "children.parquet", dk.table("children", dk.children()))
    return {"886/2022-10-08": "encrypted_file"}


def encrypted_footer(root: Path) -> Expect:
    folder = dk.write_drop(root, 303, "2022-10-08", children=None)
    write_encrypted(folder / "children.parquet", dk.table("children", dk.children()), plaintext_footer=False)
    return {"303/2022-10-08": "encrypted_file"}


def one_row_per_group(root: Path, groups: int = 20_000) -> Expect:
    """Children with one row per row group (memory once grew with row groups: 6.5 GB for 20,000)."""
    folder = dk.write_drop(root, 887, "2022-10-08", children=None)
    one = dk.table("children", dk.children()[:1])
    rows = pa.concat_tables([one.set_column(0, "child_id", pa.array([f"KC-{i:05d}"])) for i in range(groups)])
    pq.write_table(rows, folder / "children.parquet", row_group_size=1)
    return {"887/2022-10-08": "too_many_row_groups"}


def nested_unknown_column(root: Path) -> Expect:
    folder = dk.write_drop(root, 303, "2022-10-09", children=None)
    t = dk.table("children", dk.children())
    deep: object = [1]
    for level in range(12):
        deep = {f"level{level}": deep}
    t = t.append_column("notes", pa.array([deep] * t.num_rows))
    pq.write_table(t, folder / "children.parquet")
    return {"303/2022-10-09": "nested_column"}


def huge_footer_metadata(root: Path) -> Expect:
    """9 MB of key-value metadata in the footer (a probe once sent 150 MB; it was called 'damaged')."""
    folder = dk.write_drop(root, 886, "2022-10-09", adopters=None)
    t = dk.table("adopters", dk.adopters()).replace_schema_metadata({"padding": "x" * 9_000_000})
    pq.write_table(t, folder / "adopters.parquet")
    return {"886/2022-10-09": "footer_too_large"}


def many_columns(root: Path, columns: int = 150) -> Expect:
    """Adopters with `columns` unknown columns besides the contract's (100,000 build in about 3 s, 31 MB)."""
    folder = dk.write_drop(root, 887, "2022-10-09", adopters=None)
    t = dk.table("adopters", dk.adopters())
    extra = [pa.array([i] * t.num_rows) for i in range(columns)]
    t = pa.Table.from_arrays([*t.columns, *extra], names=[*t.schema.names, *(f"extra_{i}" for i in range(columns))])
    pq.write_table(t, folder / "adopters.parquet")
    return {"887/2022-10-09": "too_many_columns"}


def wrong_magic(root: Path) -> Expect:
    """A whole Parquet file whose last four bytes are not PAR1 (said to be 'cut short' once)."""
    folder = dk.write_drop(root, 303, "2022-10-10")
    data = (folder / "adopters.parquet").read_bytes()
    (folder / "adopters.parquet").write_bytes(data[:-4] + b"PARX")
    return {"303/2022-10-10": "unreadable_file"}


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
    "encrypted_plaintext_footer": encrypted_plaintext_footer,
    "encrypted_footer": encrypted_footer,
    "one_row_per_group": one_row_per_group,
    "nested_unknown_column": nested_unknown_column,
    "huge_footer_metadata": huge_footer_metadata,
    "many_columns": many_columns,
    "wrong_magic": wrong_magic,
}


#: Hostile zips for the upload (the Data drops page, `raa check`): each builder is given a good drop folder and
#: gives the upload; the upload is refused (upload_refused) before a byte is extracted, in words holding the text.
ZipBuilder = Callable[[Path], dk.FakeUpload]
HOSTILE_ZIPS: dict[str, tuple[ZipBuilder, str]] = {
    "absolute": (lambda f: dk.zip_upload({"/etc/children.parquet": b"x"}), "absolute path"),
    "dotdot": (lambda f: dk.zip_upload({"886/../../children.parquet": b"x"}), "'..' path"),
    "backslash": (lambda f: dk.zip_upload({"..\\..\\children.parquet": b"x"}), "backslashes"),
    "symlink": (lambda f: dk.zip_upload({"children.parquet": b"x"}, links={"adopters.parquet": "/etc/passwd"}),
                "symbolic link"),
    "two_drops": (lambda f: dk.zip_upload({"886/2022-10-07/children.parquet": (f / "children.parquet").read_bytes(),
                                  "887/2022-10-07/children.parquet": (f / "children.parquet").read_bytes()}),
                  "exactly one drop"),
    "too_many": (lambda f: dk.zip_upload({f"f{i}.json": b"{}" for i in range(40)}), "at most 32"),
    "bomb": (lambda f: dk.zip_upload({"children.parquet": b"\0" * 30_000_000}), "compressed more than"),
    "not_zip": (lambda f: dk.FakeUpload("drop.zip", b"PK\x03\x04 but not really"), "damaged or incomplete"),
    "empty": (lambda f: dk.zip_upload({"886/": b""}), "no files"),
    "control_chars": (lambda f: dk.zip_upload({"child\nren.parquet": b"x"}), "'child\\x0aren.parquet'"),
    "zero_width": (lambda f: dk.zip_upload({"child\u200bren.parquet": b"x"}), "child[character U+200B]ren"),
    "bidi": (lambda f: dk.zip_upload({"children\u202etxt.parquet": b"x"}), "children[character U+202E]txt"),
    "only_dot": (lambda f: dk.zip_upload({".": b"x"}), "only '.'"),
}


def _bad_crc(folder: Path) -> dk.FakeUpload:
    data = bytearray(dk.zip_upload({"children.parquet": (folder / "children.parquet").read_bytes()},
                          compression=zipfile.ZIP_STORED).getvalue())
    data[40] ^= 0xFF  # a byte of the stored file's data (the local header is 30 bytes + the 16-byte name)
    return dk.FakeUpload("drop.zip", bytes(data))


def _encrypted(folder: Path) -> dk.FakeUpload:
    data = bytearray(dk.zip_upload({"children.parquet": b"x"}).getvalue())
    i = data.rfind(b"PK\x01\x02")
    data[i + 8] |= 1  # the central directory's "encrypted" flag
    return dk.FakeUpload("drop.zip", bytes(data))


def _method(folder: Path, method: int) -> dk.FakeUpload:
    """A zip whose entry claims a compression method zipfile cannot read (9: deflate64)."""
    data = bytearray(dk.zip_upload({"children.parquet": (folder / "children.parquet").read_bytes()}).getvalue())
    data[8:10] = method.to_bytes(2, "little")
    i = data.rfind(b"PK\x01\x02")
    data[i + 10:i + 12] = method.to_bytes(2, "little")
    return dk.FakeUpload("drop.zip", bytes(data))


def lying_zip(folder: Path) -> dk.FakeUpload:
    """A zip whose central directory says its entry is 10 bytes (it holds 5,000): extraction must not trust it."""
    data = bytearray(dk.zip_upload({"children.parquet": b"A" * 5000}).getvalue())
    i = data.rfind(b"PK\x01\x02")
    data[i + 24:i + 28] = (10).to_bytes(4, "little")
    return dk.FakeUpload("drop.zip", bytes(data))


#: Damaged zips (and files that are not zips): each refused in plain words, never a library's message.
CORRUPT_ZIPS: dict[str, tuple[ZipBuilder, str]] = {
    "empty": (lambda f: dk.FakeUpload("drop.zip", b""), "the file is empty"),
    "csv_renamed": (lambda f: dk.FakeUpload("drop.zip", b"child_id,sex\nKC-1,F\n"), "not a zip archive (it may be "
                    "another kind of file renamed .zip)"),
    "truncated": (lambda f: dk.FakeUpload("drop.zip", dk.folder_zip(f).getvalue()[:3000]),
                  "the zip is damaged or incomplete (it may not have finished uploading)"),
    "bad_crc": (_bad_crc, "zip entry 'children.parquet' is damaged or incomplete"),
    "encrypted": (_encrypted, "zip entry 'children.parquet' is encrypted"),
    "unsupported_method": (lambda f: _method(f, 9), "compressed in a way this service cannot unpack"),
    "lies_about_size": (lying_zip, "zip entry 'children.parquet' is damaged or incomplete"),
}


def huge_money(root: Path, la_code: int = 886, extract: str = "2026-11-18", year: str = "2025-26",
               amount: Decimal = Decimal(2 * 10**15)) -> Path:
    """A drop whose every money value is `amount` (£2×10^15 by default): each passes the checks (below
    contract.MONEY_LIMIT, 10^16), while the 24 ledger rows together are far beyond DECIMAL(18,2) (sums are
    DECIMAL(38,2), tests/core/finance/test_money_at_the_limit.py)."""
    ledger = [{"financial_year": year, "period": p, "budget_area": "pooled", "cost_line": line, "actual_gbp": amount,
               "forecast_outturn_gbp": amount} for line in ("staffing", "panels") for p in range(1, 13)]
    budget = [{**r, "financial_year": year, "budget_gbp": amount} for r in dk.budget()]
    posts = [{**r, "annual_cost_gbp": amount} for r in dk.establishment()]
    return dk.write_drop(root, la_code, extract, ledger=ledger, budget=budget, establishment=posts, manifest=True)


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
