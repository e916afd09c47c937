"""A Parquet file's footer judged before any native reader opens the file, and a native open in a child process.

A council's file is untrusted, and the native Parquet readers (Arrow's C++, DuckDB) end the whole process on
some files rather than raise: Arrow aborts (`terminate called ... Cannot decrypt ColumnMetadata`) on a file
written with modular encryption and a plaintext footer, which took the web server down for everyone. Memory
also grew with the number of row groups (6.5 GB for 20,000 one-row groups). So, before anything in the
service's own process reads a drop file natively:

1. `read_footer` reads the footer's Thrift (compact protocol) in pure Python, which can only raise: the file's
   signatures, the footer's size, its columns (how many, how deeply nested), its row groups (how many) and
   whether it is encrypted (an encrypted footer, `PARE`; or a plaintext footer carrying an encryption algorithm
   or encrypted column metadata). `drop_files.footer_problem` turns what breaks the limits (settings `drops`) into words.
2. `probe` opens the files that passed with Arrow in a child process under a memory limit (RLIMIT_AS) and a
   time limit (RLIMIT_CPU and a wall-clock timeout), walking every column chunk's metadata as the checks will;
   a file the child cannot survive is refused with a sentence, and the service's process never opens it.

This module imports nothing but the standard library at the top: it is also the child's script
(`python -I parquet_footer.py`), so the child starts without the product's packages. The Parquet format:
https://github.com/apache/parquet-format (parquet.thrift, Encryption.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAGIC, ENCRYPTED_MAGIC = b"PAR1", b"PARE"


@dataclass(slots=True)
class Footer:
    """What a Parquet file's footer says, read without a native reader."""

    size: int
    #: (name, nesting depth below the root, number of children) of every schema element but the root
    elements: list[tuple[str, int, int]] = field(default_factory=list)
    row_groups: int = 0
    encrypted: bool = False
    #: False where the file does not begin and end with Parquet's signature (then nothing else was read)
    parquet: bool = True

    @property
    def leaves(self) -> int:
        return sum(1 for _, _, kids in self.elements if kids == 0)

    def nested(self) -> list[tuple[str, int]]:
        """Top-level columns that are groups (records, lists, maps), with how deep they nest."""
        out: list[tuple[str, int]] = []
        for name, depth, kids in self.elements:
            if depth == 1 and kids:
                out.append((name, 1))
            elif depth > 1 and out:
                out[-1] = (out[-1][0], max(out[-1][1], depth))
        return out


class _Compact:
    """Just enough of Thrift's compact protocol to walk a FileMetaData, skipping what is not needed."""

    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data, self.pos, self.max_depth = data, 0, max_depth

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("the footer ends in the middle of a value")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ValueError("a number in the footer is too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def binary(self) -> bytes:
        n = self.varint()
        if self.pos + n > len(self.data):
            raise ValueError("a text in the footer runs past its end")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def fields(self) -> Iterator[tuple[int, int]]:
        """Yield (field id, type) of a struct's fields until its stop byte."""
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return
            kind, delta = head & 0x0F, head >> 4
            last = last + delta if delta else self.zigzag()
            yield last, kind

    def list_header(self) -> tuple[int, int]:
        head = self.byte()
        size = head >> 4
        if size == 15:
            size = self.varint()
        return size, head & 0x0F

    def skip(self, kind: int, depth: int = 0) -> None:
        if depth > self.max_depth:
            raise ValueError("the footer nests values too deeply")
        if kind in (1, 2):
            return
        if kind == 3:
            self.byte()
        elif kind in (4, 5, 6):
            self.varint()
        elif kind == 7:
            self.pos += 8
        elif kind == 8:
            self.binary()
        elif kind in (9, 10):
            size, elem = self.list_header()
            for _ in range(size):
                if elem in (1, 2):
                    self.byte()
                else:
                    self.skip(elem, depth + 1)
        elif kind == 11:
            size = self.varint()
            if size:
                kv = self.byte()
                for _ in range(size):
                    self.skip(kv >> 4, depth + 1)
                    self.skip(kv & 0x0F, depth + 1)
        elif kind == 12:
            for _, k in self.fields():
                self.skip(k, depth + 1)
        else:
            raise ValueError(f"the footer holds a value of unknown kind {kind}")


@dataclass(frozen=True, slots=True)
class FooterLimits:
    """The limits a footer is held to (settings `drops`: footer_max_bytes, columns_max, row_groups_max)."""

    footer_max_bytes: int
    columns_max: int
    row_groups_max: int
    nesting_max: int = 3


def read_footer(path: Path, limits: FooterLimits) -> Footer:
    """The footer of a Parquet file, read in pure Python (no native reader sees the file).

    Stops early once a limit is broken (the footer's size, its column count, its row-group count), so the
    footer of a hostile file is never decoded whole. A file without Parquet's signatures gives a Footer with
    `parquet` False. Raises ValueError (the reason in words) where the bytes are not a Parquet footer."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(max(size - 8, 0))
        tail = fh.read(8)
        length = int.from_bytes(tail[:4], "little")
        footer = Footer(size=length)
        if size >= 12 and ENCRYPTED_MAGIC in (head, tail[4:]):
            footer.encrypted = True  # an encrypted footer: Parquet files in that mode begin and end with PARE
            return footer
        if size < 12 or head != MAGIC:
            return Footer(size=size, parquet=False)
        if tail[4:] != MAGIC:
            return Footer(size=size, parquet=False)
        if length > size - 12:
            raise ValueError("the footer's length is larger than the file")
        fh.seek(size - 8 - length)
        # An oversized footer is read only up to the limit: enough to count its columns and row groups.
        data = fh.read(min(length, limits.footer_max_bytes))
    reader = _Compact(data, 64)
    try:
        _file_metadata(reader, footer, limits)
    except ValueError:
        if length <= limits.footer_max_bytes:
            raise
    return footer


def _file_metadata(reader: _Compact, footer: Footer, limits: FooterLimits) -> None:
    """Walk FileMetaData: schema (field 2), row groups (4), encryption algorithm and signing key (8, 9)."""
    for fid, kind in reader.fields():
        if fid == 2 and kind == 9:
            _schema(reader, footer, limits)
            if footer.leaves > limits.columns_max or len(footer.elements) > 2 * limits.columns_max + 1:
                return
        elif fid == 4 and kind == 9:
            count, _ = reader.list_header()
            footer.row_groups = count
            if count > limits.row_groups_max:
                return
            for _ in range(count):
                _row_group(reader, footer)
        elif fid in (8, 9):
            footer.encrypted = True
            reader.skip(kind)
        else:
            reader.skip(kind)


def _schema(reader: _Compact, footer: Footer, limits: FooterLimits) -> None:
    count, _ = reader.list_header()
    remaining: list[int] = []  # children still to come at each open group
    for i in range(count):
        name, kids = "", 0
        for fid, kind in reader.fields():
            if fid == 4 and kind == 8:
                name = reader.binary().decode("utf-8", "replace")
            elif fid == 5 and kind == 5:
                kids = reader.zigzag()
            else:
                reader.skip(kind)
        if i == 0:
            remaining = [kids]
            continue
        while remaining and remaining[-1] == 0:
            remaining.pop()
        depth = len(remaining)
        if remaining:
            remaining[-1] -= 1
        footer.elements.append((name, depth, kids))
        if kids:
            remaining.append(kids)
        if len(footer.elements) > 2 * limits.columns_max + 1:
            # too many columns: the rest of the schema is skipped unread
            for _ in range(count - i - 1):
                reader.skip(12)
            return


def _row_group(reader: _Compact, footer: Footer) -> None:
    for fid, kind in reader.fields():
        if fid == 1 and kind == 9:
            size, _ = reader.list_header()
            for _ in range(size):
                for cid, ckind in reader.fields():
                    if cid in (8, 9):
                        footer.encrypted = True
                    reader.skip(ckind)
        else:
            reader.skip(kind)


# ---------------------------------------------------------------- the child process

#: What the child prints for each file: `start <i>` before opening it, `ok <i>` once it has survived.
_START, _OK = "start", "ok"


def _child(memory_mb: int, seconds: int) -> None:  # pragma: no cover - runs in the child process
    """Open every file named on standard input with Arrow, under memory and CPU-time limits."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    paths = json.loads(sys.stdin.read())
    from pyarrow._parquet import ParquetReader  # what `pyarrow.parquet.ParquetFile` opens, without its imports

    for i, path in enumerate(paths):
        print(_START, i, flush=True)
        try:
            reader = ParquetReader()
            reader.open(path)
            meta = reader.metadata
            meta.schema.to_arrow_schema()
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                for c in range(group.num_columns):
                    chunk = group.column(c)
                    _ = (chunk.path_in_schema, chunk.total_uncompressed_size, chunk.num_values,
                         chunk.physical_type)
        except (OSError, ValueError, LookupError, TypeError, RuntimeError, MemoryError):
            pass  # an error raised (not an abort) is raised again by the parent's own open, in its own words
        print(_OK, i, flush=True)


#: Memory the child may take beyond the ingest's limit: the interpreter and Arrow's libraries themselves.
_CHILD_BASE_MB = 1024


def probe(paths: list[Path], memory_mb: int, seconds: int) -> dict[Path, str]:
    """Open each file with Arrow's native reader in a child process under limits; returns, for each file the
    child did not survive, why in words (an empty dict when every file opened safely).

    The child walks every row group's column metadata, as `drop_files.plan_file` will in this process. A
    child ended by a signal (an abort inside the reader), by running out of memory or by the time limit
    costs only the file it was opening; a new child carries on with the rest."""
    problems: dict[Path, str] = {}
    todo = list(paths)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    while todo:
        cmd = [sys.executable, "-I", str(Path(__file__).resolve()), str(memory_mb + _CHILD_BASE_MB), str(seconds)]
        try:
            done = subprocess.run(cmd, input=json.dumps([str(p) for p in todo]), capture_output=True, text=True,
                                  timeout=seconds * 2 + 30, env=env)
            out, code, timed_out = done.stdout, done.returncode, False
        except subprocess.TimeoutExpired as exc:
            raw = exc.stdout or ""
            out, code, timed_out = raw.decode() if isinstance(raw, bytes) else raw, None, True
        started = [int(line.split()[1]) for line in out.splitlines() if line.startswith(_START + " ")]
        survived = {int(line.split()[1]) for line in out.splitlines() if line.startswith(_OK + " ")}
        if code == 0 and len(survived) == len(todo):
            break
        if not started:
            raise OSError(f"the Parquet safety check could not start (exit {code})")
        last = started[-1]
        if last in survived:  # ended between files: carry on after the last one that survived
            todo = todo[last + 1:]
            continue
        if timed_out or code in (-9, -24):  # killed, or SIGXCPU at the CPU-time limit
            problems[todo[last]] = (f"could not be opened within the time a check may take ({seconds} seconds): "
                                    "its footer describes too much; export it again with fewer columns and row "
                                    "groups")
        elif "decrypt" in (done.stderr if not timed_out else "").lower():
            problems[todo[last]] = ENCRYPTED
        elif "bad_alloc" in (done.stderr if not timed_out else "") or code == 1:
            problems[todo[last]] = (f"could not be opened within the memory a check may use ({memory_mb} MB, "
                                    "settings: ingest_memory_mb): its footer describes too much; export it again "
                                    "with fewer columns and row groups")
        else:
            problems[todo[last]] = ("made the Parquet reader stop (the file is damaged, or written in a way the "
                                    "reader cannot handle): export it again as plain Parquet")
        todo = todo[last + 1:]
    return problems


ENCRYPTED = ("is encrypted (Parquet modular encryption): the service cannot read encrypted files; export it "
              "again without encryption (the transfer to the service is protected already)")


if __name__ == "__main__":  # pragma: no cover - the child process of `probe`
    _child(int(sys.argv[1]), int(sys.argv[2]))
