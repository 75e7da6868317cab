"""Read event logs from files and frames: ``read_log`` -> ``LoadedLog(log, rejects, source)``.

Examples
--------
>>> from o2c import example_log
>>> loaded = read_log(example_log().to_pandas())
>>> loaded.log.height, loaded.rejects.height, loaded.source.format
(19, 0, 'frame')
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from o2c._calendar import WorkingCalendar, read_calendar
from o2c._progress import progress as _progress
from o2c.errors import ArgumentError, ColumnMappingError, InputFileError, RejectedRowsWarning
from o2c.io._classifier import classify
from o2c.io._csv import read_csv
from o2c.io._excel import read_excel, sheet_names
from o2c.io._ideal_path import read_ideal_path
from o2c.io._inflate import MAX_INFLATED_BYTES, gunzip
from o2c.io._mapping import ColumnMapping, as_mapping, projection, resolve
from o2c.io._model import read_process_model
from o2c.io._normalise import Normalised, TextNeededError, normalise, raise_first_reject
from o2c.io._ocel import ocel_format, read_ocel, read_ocel_log
from o2c.io._parquet import read_parquet
from o2c.io._sap import is_document_flow, read_sap_document_flow
from o2c.io._xes import MAX_FIELD_BYTES, MAX_NESTING, XES_ROLES, declared_classifiers, read_xes
from o2c.log import ACTIVITY, CASE_ID, LIFECYCLE, PLAUSIBLE_YEARS, RESOURCE, SOURCE_ROW, Reason, empty_rejects
from o2c.model import LoadedLog, SourceInfo

__all__ = [
    "ColumnMapping",
    "LoadedLog",
    "SourceInfo",
    "read_ideal_path",
    "read_log",
    "read_ocel",
    "read_process_model",
]

#: File suffixes and the format each is read as.
FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".csv.gz": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
    ".xes": "xes", ".xes.gz": "xes",
    ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip


def read_log(
    path_or_frame: str | Path | pd.DataFrame | pl.DataFrame,
    *,
    mapping: ColumnMapping | Mapping[str, Any] | str | Path | None = None,
    timezone: str = "UTC",
    strict: bool = False,
    progress: bool | None = None,
    sheet: str | None = None,
    dayfirst: bool | None = None,
    keep_duplicates: bool | None = None,
    max_inflated_bytes: int = MAX_INFLATED_BYTES,
    classifier: str | list[str] | None = None,
    max_nesting: int = MAX_NESTING,
    max_field_bytes: int = MAX_FIELD_BYTES,
    calendar: WorkingCalendar | str | Path | None = None,
    case_type: str | None = None,
    columns: Collection[str] | None = None,
) -> LoadedLog:
    """Read an event log from a file or a frame; every input row lands in ``log`` or ``rejects``.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A CSV/TSV/TXT, Excel (.xlsx/.xls), XES (.xes/.xes.gz) or Parquet file, or a pandas or
        polars frame (canonical columns, pm4py's ``case:concept:name`` format, or any columns
        with a ``mapping``). An SAP document-flow table (VBFA: a CSV, or a zip of one, with
        SAP's column names) read without a ``mapping`` becomes one case per sales order, as
        ``o2c.read_sap_document_flow`` reads it.
    mapping : ColumnMapping, dict, or path of a YAML file, optional
        Input column per role (``case_id``, ``activity``, ``timestamp``, ``start_timestamp``,
        ``resource``, ``lifecycle``, ``value``) and reading options (``timezone``,
        ``dayfirst``); roles left open are guessed from column names.
    timezone : str
        Zone of naive timestamps (unless the mapping names one); offsets are honoured and all
        timestamps become UTC.
    strict : bool
        Raise ``RejectedRowError`` on the first rejected row instead of collecting rejects.
    progress : bool, optional
        Show a progress bar over the reading steps (default: when stderr is a terminal).
    sheet : str, optional
        The Excel sheet; by default the only sheet, or the first whose columns can be mapped.
    dayfirst : bool, optional
        Force the date order of ambiguous dates (day-first ``True``, month-first ``False``).
    keep_duplicates : bool, optional
        Keep exact duplicate events (same case, activity, timestamp and every other column).
        Default: XES files keep them (each ``<event>`` element is an event, as pm4py counts
        them); tables (CSV, Excel, Parquet, frames) keep the first and reject the others as
        ``duplicate_event``. Either way ``o2c.data_quality`` counts them.
    max_inflated_bytes : int
        The most bytes a compressed file (``.csv.gz``, a zipped VBFA table) may inflate to
        (default 4 GiB): a guard against zip bombs; a larger genuine export needs a higher one.
    max_nesting, max_field_bytes : int
        XES files only: the deepest nesting of attribute lists or containers (default 100) and
        the longest attribute value in bytes (default 2 MiB) that are read; a file beyond either
        is refused before the parser sees it (a crash or an hour of parsing otherwise).
    case_type : str, optional
        Object-centric logs only (OCEL 2.0 JSON/XML/SQLite, OCEL 1.0 JSON/XML/CSV, see
        ``o2c.read_ocel``): the object type whose objects are the cases (default: the mapping's
        ``case_id``, else guessed from the type names, such as ``order``, ``Sales Order``). The
        log is flattened to it with ``o2c.flatten`` (its items', deliveries', invoices' and
        payments' events join each order, each event once per order, ``shared_by`` counting
        the orders that share it); ``loaded.ocel`` keeps the object-centric log, and
        ``source.notes["flatten"]`` says which type was used and whether it was guessed.
    classifier : str or list of str, optional
        How events are named (overrides the mapping's): ``"auto"`` (default: the activity joined
        with its lifecycle value, ``Queued+Awaiting Assignment``, when the lifecycle column holds
        statuses rather than XES transitions such as start/complete; else the activity alone),
        ``"activity"``, ``"activity+lifecycle"``, the name of a ``<classifier>`` the XES file
        declares (``source.notes["classifiers"]`` lists them), or columns to join with ``+``.
        ``source.notes["classifier"]`` says which was used and why; ``o2c.data_quality`` counts
        the events renamed.
    calendar : WorkingCalendar or path of a YAML file, optional
        The working calendar (``o2c.read_calendar``) to keep with the log: ``o2c.assess`` then
        counts waits, durations and lead times in working time.
    columns : list of str, optional
        Read only these input columns, and those the mapping names (default: every column);
        roles left open are guessed among them. A Parquet file's other columns are never
        read: the maps of 10M events need a third of the memory with ``case_id``, ``activity``
        and ``timestamp`` alone. Rows are checked, and exact duplicates found, on the columns
        read; ``source.notes["columns"]`` lists them. Tables and XES only (not object-centric
        logs or SAP tables).

    Returns
    -------
    LoadedLog
        ``log``: canonical polars event log sorted by ``case_id``, ``timestamp``,
        ``source_row``; ``rejects``: ``source_file``, ``source_row``, ``column``, ``value``,
        ``reason``; ``source``: path, sha256 of the file bytes, format, encoding, delimiter,
        mapping used, rows read. Rows read = ``log.height`` + distinct ``rejects.source_row``;
        ``calendar``: the working calendar given, or None.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Order": ["1", "1", ""], "Step": ["Create", " Ship ", "Create"],
    ...                       "Changed On": ["2025-01-06 09:00", "2025-01-07 10:00", "2025-01-06"]})
    >>> loaded = read_log(frame)
    >>> loaded.log["activity"].to_list(), loaded.rejects["reason"].to_list()
    (['Create', 'Ship'], ['missing_case_id'])
    """
    working = _calendar(calendar)
    wanted = _wanted(columns)
    if (
        wanted is not None
        and isinstance(path_or_frame, str | Path)
        and (ocel_format(path_or_frame) is not None or (mapping is None and is_document_flow(path_or_frame)))
    ):
        raise ArgumentError(
            f"{Path(path_or_frame).name}: columns= applies to tables and XES files, not to an "
            "object-centric log or an SAP document-flow table, which are read whole.",
            function="read_log",
            argument="columns",
            value=list(wanted),
        )
    if isinstance(path_or_frame, str | Path) and ocel_format(path_or_frame) is not None:
        order_type = case_type if case_type is not None else as_mapping(mapping).case_id
        flattened = read_ocel_log(Path(path_or_frame), case_type=order_type)
        return _checked(replace(flattened, calendar=working), strict=strict)
    if mapping is None and isinstance(path_or_frame, str | Path) and is_document_flow(path_or_frame):
        flow = read_sap_document_flow(path_or_frame, timezone=timezone, max_inflated_bytes=max_inflated_bytes)
        return replace(_checked(flow, strict=strict), calendar=working)
    given = as_mapping(mapping)
    if dayfirst is not None:
        given = replace(given, dayfirst=dayfirst)
    if classifier is not None:
        given = replace(given, classifier=classifier)
    steps = iter(_progress(["read", "normalise"], label="reading log", enabled=progress))
    next(steps)
    limits = {
        "max_inflated_bytes": max_inflated_bytes,
        "max_nesting": max_nesting,
        "max_field_bytes": max_field_bytes,
    }
    if isinstance(path_or_frame, pd.DataFrame | pl.DataFrame):
        raw = pl.from_pandas(path_or_frame) if isinstance(path_or_frame, pd.DataFrame) else path_or_frame
        if SOURCE_ROW not in raw.columns:
            raw = raw.with_row_index(SOURCE_ROW, offset=1)
        raw = raw.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
        info: dict[str, Any] = {"path": "<frame>", "sha256": None, "format": "frame"}
        read = _projected(_Read(raw, empty_rejects(), info, given), wanted, path="<frame>")
    else:
        read = _read_file(Path(path_or_frame), given, sheet, typed=True, columns=wanted, **limits)
    source_file = Path(read.info["path"]).name
    keep = read.info["format"] == "xes" if keep_duplicates is None else keep_duplicates
    options: dict[str, Any] = {
        "source_file": source_file,
        "timezone": timezone,
        "strict": strict,
        "drop_duplicates": not keep,
    }
    try:
        resolved, result = _normalised(read, progress=steps, **options)
    except TextNeededError:  # a column read typed must be read as text to give the same log
        read = _read_file(Path(str(path_or_frame)), given, sheet, typed=False, columns=wanted, **limits)
        resolved, result = _normalised(read, progress=None, **options)
    raw, malformed, info = read.raw, read.malformed, read.info
    rejects = pl.concat([malformed.with_columns(source_file=pl.lit(source_file)).select(result.rejects.columns),
                         result.rejects]).sort(SOURCE_ROW, maintain_order=True)  # fmt: skip
    rows = raw.height + malformed[SOURCE_ROW].n_unique()  # an XES event may fail on two attributes
    declared = info.pop("classifiers", {})
    log, named = classify(result.log, resolved.classifier, declared)
    notes = {**result.notes, **named, "classifiers": declared}
    if wanted is not None:
        notes["columns"] = [c for c in raw.columns if c != SOURCE_ROW]
    chosen = resolved.classifier if resolved.classifier is not None else named["classifier"]["name"]
    source = SourceInfo(mapping=replace(resolved, classifier=chosen), rows=rows, notes=notes, **info)
    if rejects.height:
        warnings.warn(RejectedRowsWarning(_summary(rejects, rows, source_file)), stacklevel=2)
    return LoadedLog(log, rejects, source, calendar=working)


@dataclass(frozen=True)
class _Read:
    """A file or frame read: raw rows, malformed lines, what ``SourceInfo`` says of the file,
    the mapping (with the roles the format names), and the columns a CSV reader typed."""

    raw: pl.DataFrame
    malformed: pl.DataFrame
    info: dict[str, Any]
    mapping: ColumnMapping
    typed: dict[str, str] = field(default_factory=dict)
    head: pl.DataFrame | None = None


def _normalised(
    read: _Read, *, progress: Iterator[str] | None, source_file: str, **options: Any
) -> tuple[ColumnMapping, Normalised]:
    """The mapping resolved on the first rows of ``read`` (as text) and the normalised log."""
    columns = [c for c in read.raw.columns if c != SOURCE_ROW]
    sample = read.head if read.head is not None else read.raw.head(1000)
    resolved = resolve(read.mapping, columns, path=read.info["path"], sample=sample)
    if progress is not None:
        next(progress, None)
    utc = read.info["format"] == "xes"
    result = normalise(read.raw, resolved, source_file=source_file, typed_timestamps_are_utc=utc,
                       typed=read.typed, head=read.head, **options)  # fmt: skip
    return resolved, result


def _calendar(calendar: WorkingCalendar | str | Path | None) -> WorkingCalendar | None:
    """``read_log``'s calendar: as given, or read from its file."""
    if calendar is None or isinstance(calendar, WorkingCalendar):
        return calendar
    if isinstance(calendar, str | Path):
        return read_calendar(calendar)
    raise ArgumentError.must_be(
        "a WorkingCalendar or the path of a calendar YAML file",
        calendar,
        argument="calendar",
        function="read_log",
    )


def _checked(loaded: LoadedLog, *, strict: bool) -> LoadedLog:
    """``loaded`` from a reader of its own (a VBFA table), its rejects raised or warned as ``read_log`` does."""
    rejects, source_file = loaded.rejects, Path(loaded.source.path).name
    if strict and rejects.height:
        raise_first_reject(rejects, rejects["source_file"][0] or source_file)  # CDHDR/CDPOS beside VBFA
    if rejects.height:
        rows = loaded.source.notes.get("rows_by_file", {source_file: loaded.source.rows})
        summaries = [
            _summary(rejects.filter(pl.col("source_file") == name), n, name)
            for name, n in rows.items()
            if (rejects["source_file"] == name).any()
        ]
        warnings.warn(RejectedRowsWarning("\n".join(summaries)), stacklevel=3)
    return loaded


def _read_file(
    path: Path,
    mapping: ColumnMapping,
    sheet: str | None,
    *,
    max_inflated_bytes: int,
    max_nesting: int,
    max_field_bytes: int,
    typed: bool = False,
    columns: frozenset[str] | None = None,
) -> _Read:
    """Read ``path`` by its suffix; with ``typed``, a CSV file's numbers and ISO timestamps are
    parsed as they are read (``read_csv(typed=True)``); ``columns``: ``read_log``'s, projected."""
    if not path.is_file():
        raise InputFileError(f"No such file: {path}", path=path)
    name = path.name.lower()
    suffix = next((s for s in sorted(FORMATS, key=len, reverse=True) if name.endswith(s)), None)
    if suffix is None:
        raise InputFileError(
            f"{path.name}: unknown file type; readable are {', '.join(sorted(FORMATS))}.", path=path
        )
    fmt = FORMATS[suffix]
    data = path.read_bytes() if fmt == "csv" else None  # the other readers read the file themselves
    with ThreadPoolExecutor(1) as pool:  # hashed while the file is read (hashlib lets go of the GIL)
        digest = pool.submit(_sha256, path, data)
        read = _read_format(path, data, fmt, suffix, mapping, sheet, typed=typed, columns=columns,
                            max_inflated_bytes=max_inflated_bytes, max_nesting=max_nesting,
                            max_field_bytes=max_field_bytes)  # fmt: skip
        read.info.update(path=str(path), sha256=digest.result(), format=fmt)
    return read


def _read_format(
    path: Path,
    data: bytes | None,
    fmt: str,
    suffix: str,
    mapping: ColumnMapping,
    sheet: str | None,
    *,
    typed: bool,
    columns: frozenset[str] | None,
    max_inflated_bytes: int,
    max_nesting: int,
    max_field_bytes: int,
) -> _Read:
    info: dict[str, Any] = {}
    malformed = empty_rejects()
    if data is not None:
        if suffix == ".csv.gz":
            data = gunzip(path, data, limit=max_inflated_bytes)
        read = read_csv(
            path, data, on_disk=suffix != ".csv.gz", typed=typed, keep_text=_text_roles(path, mapping)
        )
        info |= {"encoding": read.encoding, "delimiter": read.delimiter, "reader": "duckdb"}
        return _projected(
            _Read(read.frame, read.malformed, info, mapping, read.typed, read.head), columns, path=str(path)
        )
    if fmt == "excel":
        chosen, raw = (sheet, read_excel(path, sheet)) if sheet else _choose_sheet(path, mapping)
        info |= {"sheet": chosen, "reader": "calamine"}
    elif fmt == "xes":
        raw, malformed, reader = read_xes(path, max_nesting=max_nesting, max_field_bytes=max_field_bytes)
        roles = {role: key for role, key in XES_ROLES.items() if key in raw.columns}
        open_roles: dict[str, Any] = {r: k for r, k in roles.items() if getattr(mapping, r) is None}
        mapping = replace(mapping, **open_roles)
        info |= {"reader": reader, "encoding": "utf-8", "classifiers": declared_classifiers(path)}
    else:
        raw, mapping = read_parquet(path, mapping, columns=columns)
        info |= {"reader": "polars"}
    return _projected(_Read(raw, malformed, info, mapping), columns, path=str(path))


def _wanted(columns: Collection[str] | None) -> frozenset[str] | None:
    """``read_log``'s ``columns`` as a set of names, checked."""
    if columns is None:
        return None
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise ArgumentError.must_be(
            "a list of column names", columns, argument="columns", function="read_log"
        )
    return frozenset(columns)


def _projected(read: _Read, columns: frozenset[str] | None, *, path: str) -> _Read:
    """``read`` with only ``columns``, those its mapping names and ``source_row``; an unknown
    column is an error naming the file and the columns it has."""
    if columns is None:
        return read
    names = [c for c in read.raw.columns if c != SOURCE_ROW]
    keep = projection(names, columns, read.mapping, path=path)
    if len(keep) == len(names):
        return read
    kept = [*keep, SOURCE_ROW]
    head = None if read.head is None else read.head.select(c for c in read.head.columns if c in kept)
    typed = {c: kind for c, kind in read.typed.items() if c in kept}
    return replace(read, raw=read.raw.select(kept), typed=typed, head=head)


def _text_roles(path: Path, mapping: ColumnMapping) -> Callable[[pl.DataFrame], set[str]]:
    """The columns of the text roles (case id, activity, resource, lifecycle) that ``mapping``
    resolves to on a CSV file's first rows: read as text, never typed."""

    def text_roles(head: pl.DataFrame) -> set[str]:
        roles = resolve(mapping, head.columns, path=str(path), sample=head).roles()
        return {column for role, column in roles.items() if role in (CASE_ID, ACTIVITY, RESOURCE, LIFECYCLE)}

    return text_roles


def _sha256(path: Path, data: bytes | None) -> str:
    """The SHA-256 of ``data``, the file's bytes, or when they were not read, of the file read in chunks."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _choose_sheet(path: Path, mapping: ColumnMapping) -> tuple[str, pl.DataFrame]:
    """The only sheet, else the first whose columns map; with its rows (each sheet read once)."""
    names = sheet_names(path)
    if len(names) == 1:
        return names[0], read_excel(path, names[0])
    for name in names:
        frame = read_excel(path, name)
        try:
            resolve(
                mapping,
                [c for c in frame.columns if c != SOURCE_ROW],
                path=str(path),
                sample=frame.head(1000),
            )
        except ColumnMappingError:  # this sheet does not hold an event log; try the next one
            continue
        return name, frame
    raise InputFileError(
        f"{path.name} has sheets {names} and none has recognisable case, activity and timestamp "
        "columns; choose one with sheet='NAME' (--sheet NAME) and map its columns.",
        path=path,
    )


def _summary(rejects: pl.DataFrame, rows: int, source_file: str) -> str:
    rejected = rejects[SOURCE_ROW].n_unique()
    lines = [f"{rejected:,} of {rows:,} rows of {source_file} were rejected (see loaded.rejects):"]
    by_reason = (
        rejects.group_by("reason", maintain_order=True)
        .agg(
            pl.len().alias("n"), pl.col("column").first(), pl.col(SOURCE_ROW).head(4), pl.col("value").first()
        )
        .sort(["n", "reason"], descending=[True, False])
    )
    for reason, n, column, rows_, value in by_reason.iter_rows():
        shown = ", ".join(str(r) for r in rows_[:3]) + (", ..." if n > 3 else "")
        where = f"column {column!r}, " if column else ""
        lines.append(f"  {reason:<24} {n:>6,} rows, {where}rows {shown}, e.g. {value!r}")
        if reason == Reason.IMPLAUSIBLE_TIMESTAMP:
            first, last = PLAUSIBLE_YEARS
            lines.append(
                f"  {'':<24} (outside the years {first} to {last}; SAP writes 9999-12-31 for an open date)"
            )
    return "\n".join(lines)
