"""Read delimited text (CSV, TSV, TXT) with DuckDB: sniffed delimiter, any encoding, no lost line."""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
import tempfile
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from o2c.errors import InputFileError, ToolkitError
from o2c.log import SOURCE_ROW, Reason

_BLANK_LINES = re.compile(r"(?:\r?\n){2,}")
_BLANK_LINE, _CONTENT = re.compile(rb"\n\r?\n"), re.compile(rb"[^\r\n]")
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
#: Where a line ends, as DuckDB and text editors see it: CRLF, LF, or a CR alone (old Mac files).
_LINE_BREAK = re.compile(rb"\r\n|\n|\r")

# The typed fast path: a column whose every value has one of these shapes is parsed by DuckDB
# while it reads (a number, a date, an ISO timestamp), since for such text DuckDB's cast and
# the exact path (``_normalise``, ``_numbers``, ``_timestamps``) give the same value. The shapes
# are strict on purpose (no blanks, signs, leading zeros, exponents, 24:00 or leap seconds):
# text outside them is read as text and parsed by the exact path. Written with [0-9], which
# means the same in polars' and DuckDB's regular expressions (\d is Unicode in polars').
_DAY = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?"
_OFFSET = "([+-]([01][0-9]|2[0-3]):?[0-5][0-9]|Z)"
_INT = "0|-?[1-9][0-9]{0,17}"
#: Shape name -> (regular expression a whole value matches, DuckDB type it is cast to).
SHAPES = {
    "integer": (f"({_INT})", "BIGINT"),
    "decimal": ("-?(0|[1-9][0-9]{0,17})([.][0-9]+)?", "DOUBLE"),
    "timestamp_offset_t": (f"{_DAY}T{_CLOCK}{_OFFSET}", "TIMESTAMPTZ"),
    "timestamp_offset": (f"{_DAY} {_CLOCK}{_OFFSET}", "TIMESTAMPTZ"),
    "timestamp_t": (f"{_DAY}T{_CLOCK}", "TIMESTAMP"),
    "timestamp": (f"{_DAY} {_CLOCK}", "TIMESTAMP"),
    "date": (_DAY, "DATE"),
}
#: Rows whose text decides the shape of each column (and the sample ``resolve`` sees).
_HEAD = 1000


@dataclass(frozen=True)
class CsvRead:
    """The rows DuckDB could read (all text, with ``source_row``), the lines it could not, and how."""

    frame: pl.DataFrame
    malformed: pl.DataFrame
    encoding: str
    delimiter: str
    rows: int
    #: Columns read typed (``typed=True``), each with its shape (a key of ``SHAPES``).
    typed: dict[str, str] = field(default_factory=dict)
    #: The first rows as text, as the exact path reads them (when some column was read typed).
    head: pl.DataFrame | None = None


def read_csv(
    path: Path,
    data: bytes,
    *,
    on_disk: bool = True,
    typed: bool = False,
    keep_text: Callable[[pl.DataFrame], Collection[str]] | None = None,
) -> CsvRead:
    """Read ``data`` as delimited text with a header row; ``path`` names the file in messages.

    ``on_disk`` says that ``data`` are the bytes of ``path`` as they lie on disk, so DuckDB may
    read the file itself; otherwise (a gzip file's or a zip member's content) they are written to
    a temporary file first. DuckDB is always told the text is uncompressed: it never guesses a
    compression from a file name. ``source_row`` counts records as a spreadsheet shows them: the
    header is row 1, a quoted field spanning lines stays one row, blank lines are skipped and
    not counted.

    Every line is accounted for. When DuckDB cannot read the file, when a broken record swallows
    the lines after it (an unbalanced quote), or when some lines of a UTF-8 file are not UTF-8,
    the file is read line by line instead (``_read_lines``): each line is one record, and a line
    that does not decode (``encoding_error``) or does not split into the header's fields
    (``malformed_line``) is rejected with its number. UTF-16 and UTF-32 files with a byte-order
    mark are read too.

    With ``typed``, a column whose first rows all have one shape of ``SHAPES`` (numbers, ISO
    dates and timestamps) is parsed by DuckDB as it reads, when every value of the column has
    that shape and parses; any column where one value does not is read again as text (so
    ``typed`` changes speed, not values; ``CsvRead.typed`` names the typed columns and
    ``CsvRead.head`` holds the first rows as text). ``keep_text`` names, from those first rows,
    columns to leave as text all the same (the case ids, read as text in the end).
    """
    if not data or data.isspace():
        raise InputFileError(f"{path.name} is empty.", path=path)
    wide = _wide_encoding(data)
    if wide is not None:  # UTF-16/32: made UTF-8 first, then read as any other file
        data, on_disk = _from_wide(path, data, wide), False
    with ThreadPoolExecutor(1) as pool, tempfile.TemporaryDirectory() as tmp:
        # DuckDB sniffs the file as it lies on disk (letting go of the GIL) while it is checked here
        sniffed = pool.submit(_sniffed, path) if on_disk else None
        has_blank_lines = _has_blank_lines(data) or data[:1] in (b"\r", b"\n")
        encoding, text, mixed = _decode(data, keep=has_blank_lines)
        header = _header_text(data.lstrip(b"\r\n")[:65536], encoding).split("\n", 1)[0].rstrip("\r")
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
        found = sniffed.result() if sniffed is not None and target == path else _sniffed(target)
        delimiter, quote = _dialect(found, header, path)
        read = None if mixed else _read(target, encoding, delimiter, quote, typed=typed, keep_text=keep_text)
    if read is None:
        read = _read_lines(path, data, encoding, delimiter, quote)
    return read if wide is None else replace(read, encoding=wide)


def _wide_encoding(data: bytes) -> str | None:
    """``utf-32`` or ``utf-16`` when ``data`` starts with that encoding's byte-order mark."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _from_wide(path: Path, data: bytes, encoding: str) -> bytes:
    """A UTF-16/32 file's text as UTF-8 bytes; a file broken in that encoding is refused with the line."""
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.decode(encoding, errors="replace")[: exc.start // (4 if encoding == "utf-32" else 2)]
        raise InputFileError(
            f"{path.name} starts as {encoding.upper()} but line {line.count(chr(10)) + 1} is not "
            f"{encoding.upper()} ({exc.reason}); export it again.",
            path=path,
        ) from exc


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


def _decode(data: bytes, *, keep: bool) -> tuple[str, str | None, bool]:
    """The encoding of ``data`` (``utf-8-sig`` with a byte-order mark, ``utf-8``, else ``cp1252``,
    else ``latin-1``), its text decoded once, and whether some lines break that encoding.

    The text is None for UTF-8, which DuckDB reads as it is, unless ``keep``; an ASCII file is
    then not decoded at all, and a UTF-8 one only to check it. A file with a line of non-ASCII
    UTF-8 is UTF-8 even when other lines are not: those lines are rejected one by one (``mixed``),
    never the whole file reinterpreted as cp1252. A file none of whose lines is UTF-8 beyond ASCII
    is cp1252 (or latin-1), even behind a UTF-8 byte-order mark.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    if not bom and not keep and (data.isascii() or _is_utf8(data)):
        return "utf-8", None, False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        if _some_line_is_utf8(body):
            return ("utf-8-sig" if bom else "utf-8"), None, True
    else:
        return ("utf-8-sig", text, False) if bom else ("utf-8", text if keep else None, False)
    try:  # no line is UTF-8 beyond ASCII: a Windows export (whatever mark it starts with)
        return "cp1252", body.decode("cp1252"), False
    except UnicodeDecodeError:
        return "latin-1", body.decode("latin-1"), False


def _is_utf8(data: bytes) -> bool:
    """True when ``data`` is valid UTF-8; checked by Arrow in place (a tenth of the time of
    ``bytes.decode``, and no copy).

    >>> _is_utf8("Zoë".encode()), _is_utf8("Zoë".encode("cp1252"))
    (True, False)
    """
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _some_line_is_utf8(data: bytes) -> bool:
    """True when a line of ``data`` holds non-ASCII characters that are valid UTF-8 (a multi-byte
    sequence, which text in cp1252 or latin-1 almost never forms)."""
    for line in _NON_ASCII_LINE.findall(data):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def _header_text(data: bytes, encoding: str) -> str:
    """The start of ``data`` (its header) decoded, without a byte-order mark; a character cut at
    the end is replaced."""
    return data.removeprefix(codecs.BOM_UTF8).decode(_codec(encoding), errors="replace")


def _codec(encoding: str) -> str:
    """The codec that decodes a file's text once its byte-order mark is removed."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _sniffed(target: Path) -> tuple[Any, ...] | None:
    """The delimiter and quote DuckDB's sniffer finds in ``target``; None when it gives up."""
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT Delimiter, Quote FROM sniff_csv(?, sample_size = 20480, compression = 'none')",
            [str(target)],
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return found


def _dialect(found: tuple[Any, ...] | None, header: str, path: Path) -> tuple[str, str]:
    """The delimiter and quote of a file: as sniffed (``found``) when the delimiter is in the
    ``header`` row, else the header's commonest of , ; TAB |."""
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
        return _unique(next(csv.reader(handle, delimiter=delimiter, quotechar=quote)))


def _unique(names: list[str]) -> list[str]:
    """Column names stripped and made unique (``name``, ``name_2``, ...); a blank one is ``columnN``."""
    unique: list[str] = []
    for position, name in enumerate(names, start=1):
        base = name.strip() or f"column{position}"
        candidate, n = base, 1
        while candidate in unique:
            n += 1
            candidate = f"{base}_{n}"
        unique.append(candidate)
    return unique


def _read(
    target: Path,
    encoding: str,
    delimiter: str,
    quote: str,
    *,
    typed: bool = False,
    keep_text: Callable[[pl.DataFrame], Collection[str]] | None = None,
) -> CsvRead | None:
    """DuckDB's read of ``target``; None when it cannot read it or a broken record swallowed lines.

    With ``typed``, the columns whose first rows have a shape of ``SHAPES`` are cast as they
    are read, each with a flag where a value is outside its shape or does not parse; a column
    with a flag set is read again as text. The text of those columns never reaches Python.
    """
    con = _connect()
    options: dict[str, Any] = {
        "header": True,
        "sep": delimiter,
        "quotechar": quote,
        "escapechar": quote,
        "columns": dict.fromkeys(_header(target, delimiter, quote), "VARCHAR"),
        "encoding": "utf-8",
        "compression": "none",  # never guessed from the name: a plain 'VBFA.zip' member is text
        "auto_detect": False,
    }
    try:
        head = con.read_csv(str(target), ignore_errors=True, **options).limit(_HEAD).pl() if typed else None
        shapes = _shapes(head, keep_text) if head is not None else {}
        relation = con.read_csv(str(target), store_rejects=True, **options)
        prefix = "__o2c_odd_"
        while any(name.startswith(prefix) for name in options["columns"]):
            prefix = f"_{prefix}"
        flags = {column: f"{prefix}{i}" for i, column in enumerate(shapes)}
        if shapes:
            relation = relation.project(", ".join(_typed_select(list(options["columns"]), shapes, flags)))
        frame = _polars(relation)
        errors = con.sql(
            "SELECT line, min(csv_line) AS csv_line, min(error_type) AS error_type "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).pl()
        if shapes:
            # a column is read as text again where a value is outside its shape or does not parse (31 February)
            odd = [
                column
                for column, flag in flags.items()
                if frame[flag].any() or frame[column].null_count() != frame[flag].null_count()
            ]
            frame = frame.drop(flags.values()).with_columns(
                pl.col(c).dt.convert_time_zone("UTC")
                for c, s in shapes.items()
                if SHAPES[s][1] == "TIMESTAMPTZ"
            )
            if odd:  # those columns as the exact path reads them: text, the same rows in the same order
                again = _connect()  # its own rejects table: the same lines rejected, the same rows kept
                try:
                    relation = again.read_csv(str(target), store_rejects=True, **options)
                    text = _polars(relation.project(", ".join(_quoted(column) for column in odd)))
                finally:
                    again.close()
                if text.height != frame.height:
                    return _read(target, encoding, delimiter, quote)
                frame = frame.with_columns(text)
                shapes = {column: shape for column, shape in shapes.items() if column not in odd}
    except duckdb.Error:  # its state machine gave up (a stray line ending, a ragged row): line by line
        return None
    finally:
        con.close()
    if errors["csv_line"].str.contains("\n").any():  # an unbalanced quote took the lines after it
        return None
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
    rows_read = frame.height + malformed.height
    return CsvRead(frame, malformed, encoding, delimiter, rows_read, shapes, head if shapes else None)


def _connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without a progress bar, giving text as Arrow string views."""
    con = duckdb.connect()
    with contextlib.suppress(duckdb.Error):  # in Jupyter without ipywidgets DuckDB refuses any change
        con.execute("SET enable_progress_bar = false")
    with contextlib.suppress(duckdb.Error):  # string views: polars takes them without a copy
        con.execute("SET arrow_output_version = '1.5'")
        con.execute("SET produce_arrow_string_view = true")
    return con


def _polars(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """``relation`` as a polars frame, through Arrow (its text as string views: 20 times faster
    than ``relation.pl()`` for a million rows of text)."""
    frame = pl.from_arrow(relation.to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _shapes(
    head: pl.DataFrame, keep_text: Callable[[pl.DataFrame], Collection[str]] | None = None
) -> dict[str, str]:
    """Each column of ``head`` (text) whose values all have one shape of ``SHAPES``, with it;
    none of the columns ``keep_text(head)`` names, none at all when it fails (the exact path
    then reports the failure on the whole file).

    >>> _shapes(pl.DataFrame({"n": ["7", "-12"], "x": ["2.5", "3"], "t": ["2025-01-06", None],
    ...                       "id": ["007", "8"]}))
    {'n': 'integer', 'x': 'decimal', 't': 'date'}
    >>> _shapes(pl.DataFrame({"id": ["A1"]})), _shapes(pl.DataFrame({"n": []}, schema={"n": pl.String}))
    ({}, {})
    """
    try:
        text = set(keep_text(head)) if keep_text is not None else set()
    except ToolkitError:
        return {}
    columns = [
        c
        for c in head.columns
        if c not in text and head[c].dtype == pl.String and head[c].null_count() < head.height
    ]
    if not columns:
        return {}
    # every column against every shape in one pass: whether all its values (nulls aside) fit
    fits = head.select(
        pl.col(c).drop_nulls().str.contains(f"^(?:{pattern})$").all().alias(f"{i} {shape}")
        for i, c in enumerate(columns)
        for shape, (pattern, _) in SHAPES.items()
    ).row(0, named=True)
    shapes: dict[str, str] = {}
    for i, column in enumerate(columns):
        found = next((shape for shape in SHAPES if fits[f"{i} {shape}"]), None)
        if found is not None:
            shapes[column] = found
    return shapes


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed_select(columns: list[str], shapes: dict[str, str], flags: dict[str, str]) -> list[str]:
    """The SELECT list of the typed read: each column of ``shapes`` cast to its DuckDB type, and
    its flag: null where the text is missing, false where it has the column's shape, true where
    it does not; the other columns as they are."""
    select = []
    for column in columns:
        name = _quoted(column)
        select.append(name)
        if column in shapes:
            pattern, duck_type = SHAPES[shapes[column]]
            select[-1] = f"TRY_CAST({name} AS {duck_type}) AS {name}"
            select.append(f"NOT regexp_full_match({name}, '{pattern}') AS {flags[column]}")
    return select


def _read_lines(path: Path, data: bytes, encoding: str, delimiter: str, quote: str) -> CsvRead:
    """Read ``data`` one line at a time: each non-blank line (ended by CRLF, LF or a CR alone) is
    one record, numbered as a person counts lines (header = 1); a line that does not decode in
    ``encoding`` or does not split into the header's fields is rejected with its number and text.

    The fallback of ``read_csv`` for broken files: a quoted field spanning lines is not joined here.
    """
    codec = _codec(encoding)
    lines = _LINE_BREAK.split(data.removeprefix(codecs.BOM_UTF8))
    lines = [line for line in lines if line.strip()]
    header = next(
        csv.reader([lines[0].decode(codec, errors="replace")], delimiter=delimiter, quotechar=quote)
    )
    columns = _unique(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    for number, raw in enumerate(lines[1:], start=2):
        try:
            line = raw.decode(codec)
        except UnicodeDecodeError:
            bad.append((number, raw.decode(codec, errors="replace")[:200], str(Reason.ENCODING_ERROR)))
            continue
        try:
            fields = next(csv.reader([line], delimiter=delimiter, quotechar=quote, strict=True))
        except csv.Error:
            fields = []
        if len(fields) != len(columns):
            bad.append((number, line[:200], str(Reason.MALFORMED_LINE)))
            continue
        rows.append(fields)
        numbers.append(number)
    frame = pl.DataFrame(
        {SOURCE_ROW: pl.Series(numbers, dtype=pl.Int64)}
        | {name: pl.Series([row[i] for row in rows], dtype=pl.String) for i, name in enumerate(columns)}
    ).with_columns(pl.col(pl.String).replace("", None))
    malformed = pl.DataFrame(
        {
            SOURCE_ROW: pl.Series([b[0] for b in bad], dtype=pl.Int64),
            "column": pl.Series([""] * len(bad), dtype=pl.String),
            "value": pl.Series([b[1] for b in bad], dtype=pl.String),
            "reason": pl.Series([b[2] for b in bad], dtype=pl.String),
        }
    )
    return CsvRead(frame, malformed, encoding, delimiter, frame.height + malformed.height)
