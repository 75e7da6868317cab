"""Read delimited text (CSV, TSV, TXT) with DuckDB: sniffed delimiter, any encoding, no lost line."""

from __future__ import annotations

import contextlib
import csv
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from o2c.errors import InputFileError
from o2c.log import SOURCE_ROW, Reason

_BLANK_LINES = re.compile(r"(?:\r?\n){2,}")
_BLANK_LINE, _CONTENT = re.compile(rb"\n\r?\n"), re.compile(rb"[^\r\n]")


@dataclass(frozen=True)
class CsvRead:
    """The rows DuckDB could read (all text, with ``source_row``), the lines it could not, and how."""

    frame: pl.DataFrame
    malformed: pl.DataFrame
    encoding: str
    delimiter: str
    rows: int


def read_csv(path: Path, data: bytes, *, on_disk: bool = True) -> CsvRead:
    """Read ``data`` as delimited text with a header row; ``path`` names the file in messages.

    ``on_disk`` says that ``data`` are the bytes of ``path`` as they lie on disk, so DuckDB may
    read the file itself; otherwise (a gzip file's or a zip member's content) they are written to
    a temporary file first. DuckDB is always told the text is uncompressed: it never guesses a
    compression from a file name. ``source_row`` counts records as a spreadsheet shows them: the
    header is row 1, a quoted field spanning lines stays one row, blank lines are skipped and
    not counted.
    """
    if not data or data.isspace():
        raise InputFileError(f"{path.name} is empty.", path=path)
    has_blank_lines = _has_blank_lines(data)
    encoding, text = _decode(data, keep=has_blank_lines)
    header = _header_text(data[:65536], encoding).split("\n", 1)[0].rstrip("\r")
    with tempfile.TemporaryDirectory() as tmp:
        target = path
        if text is not None:  # rewritten for DuckDB (another encoding, blank lines), let go before it reads
            target = Path(tmp) / "utf8.csv"
            newline = "\r\n" if "\r\n" in text else "\n"
            cleaned = _BLANK_LINES.sub(newline, text.strip("\r\n")) + newline if has_blank_lines else text
            with target.open("w", encoding="utf-8", newline="") as handle:
                handle.write(cleaned)
            del text, cleaned
        elif not on_disk:
            target = Path(tmp) / "table.csv"
            target.write_bytes(data)
        delimiter, quote = _sniff(target, header, path)
        return _read(target, path, encoding, delimiter, quote)


def _has_blank_lines(data: bytes) -> bool:
    """True when an empty line lies between lines of ``data`` (not counting its first and last
    line breaks); searched in place, without copying the bytes of a large file."""
    first = _CONTENT.search(data)
    if first is None:
        return False
    end = len(data)
    while data[end - 1] in b"\r\n":
        end -= 1
    return _BLANK_LINE.search(data, first.start(), end) is not None


def _decode(data: bytes, *, keep: bool) -> tuple[str, str | None]:
    """The encoding of ``data`` (``utf-8-sig`` with a byte-order mark, ``utf-8``, else ``cp1252``,
    else ``latin-1``) and its text, decoded once.

    The text is None for UTF-8, which DuckDB reads as it is, unless ``keep``; an ASCII file is
    then not decoded at all, and a UTF-8 one only to check it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data[3:].decode("utf-8", errors="replace")
    if data.isascii() and not keep:
        return "utf-8", None
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding, text if keep or encoding != "utf-8" else None
    return "latin-1", data.decode("latin-1")


def _header_text(data: bytes, encoding: str) -> str:
    """The start of ``data`` (its header) decoded; a character cut at the end is replaced."""
    if encoding == "utf-8-sig":
        return data[3:].decode("utf-8", errors="replace")
    return data.decode(encoding, errors="replace")


def _sniff(target: Path, header: str, path: Path) -> tuple[str, str]:
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT Delimiter, Quote FROM sniff_csv(?, sample_size = 20480, compression = 'none')",
            [str(target)],
        ).fetchone()
    except duckdb.Error:
        found = None
    finally:
        con.close()
    if found and found[0] and found[0] in header:
        return found[0], found[1] if found[1] not in ("", "(empty)") else '"'
    # DuckDB's sniffer gives up on short files with broken rows; the header row still tells.
    counts = {d: header.count(d) for d in ",;\t|"}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise InputFileError(
            f"{path.name}: cannot tell the delimiter from the first line {header[:120]!r}; "
            "expected one of , ; TAB |.",
            path=path,
        )
    return delimiter, '"'


def _header(target: Path, delimiter: str, quote: str) -> list[str]:
    """The column names of the header row, made unique (``name``, ``name_2``, ...)."""
    with target.open(encoding="utf-8-sig", newline="") as handle:
        names = next(csv.reader(handle, delimiter=delimiter, quotechar=quote))
    unique: list[str] = []
    for position, name in enumerate(names, start=1):
        base = name.strip() or f"column{position}"
        candidate, n = base, 1
        while candidate in unique:
            n += 1
            candidate = f"{base}_{n}"
        unique.append(candidate)
    return unique


def _read(target: Path, path: Path, encoding: str, delimiter: str, quote: str) -> CsvRead:
    con = duckdb.connect()
    with contextlib.suppress(duckdb.Error):  # in Jupyter without ipywidgets DuckDB refuses any change
        con.execute("SET enable_progress_bar = false")
    try:
        relation = con.read_csv(
            str(target),
            header=True,
            sep=delimiter,
            quotechar=quote,
            escapechar=quote,
            columns=dict.fromkeys(_header(target, delimiter, quote), "VARCHAR"),
            store_rejects=True,
            encoding="utf-8",
            compression="none",  # never guessed from the name: a plain 'VBFA.zip' member is text
            auto_detect=False,
        )
        frame = relation.pl()
        errors = con.sql(
            "SELECT line, min(csv_line) AS csv_line, min(error_type) AS error_type "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).pl()
    except duckdb.Error as exc:
        raise InputFileError(f"{path.name} could not be read as delimited text: {exc}", path=path) from exc
    finally:
        con.close()
    bad_lines = errors["line"].cast(pl.Int64).to_numpy()
    rows = np.arange(frame.height, dtype=np.int64) + 2
    # Each good row takes the next row number not taken by a malformed line (both in file order).
    if bad_lines.size:
        shifted = bad_lines - np.arange(1, bad_lines.size + 1)
        rows = rows + np.searchsorted(shifted, rows, side="left")
    frame = frame.with_columns(pl.Series(SOURCE_ROW, rows)).select(SOURCE_ROW, pl.exclude(SOURCE_ROW))
    malformed = errors.select(
        pl.col("line").cast(pl.Int64).alias(SOURCE_ROW),
        column=pl.lit(""),
        value=pl.col("csv_line").str.slice(0, 200),
        reason=pl.lit(str(Reason.MALFORMED_LINE)),
    )
    return CsvRead(frame, malformed, encoding, delimiter, frame.height + malformed.height)
