"""Logs larger than memory: ``scan_log`` keeps the events in Parquet and DuckDB runs the analyses.

Why DuckDB and not polars' streaming engine (measured on this project's 2-core machine with a
simulated log of 10M events, waiting times per edge: counts, median, p90, mean, max, total):

- polars' streaming engine over a Parquet file already sorted by case and time took 1.2 s but
  peaked at 1.4 GB resident, and failed (an allocation abort, not an exception) with its address
  space limited to 1.2 GB above its idle size; its streaming sort (needed for any file that is
  not sorted yet) peaked at 2.5 GB, the size of the whole file: no spilling to disk;
- DuckDB partitions by case and orders by time inside its window operator, so the file needs
  no prior sort, and it spills to disk under a memory limit: 3.9 s without a limit (1.4 GB),
  8.4 s at ``memory_limit="600MB"`` (peak 660 MB resident); sorting the 10M events into a new
  file took 11 s at 500 MB.

A log larger than memory is the case where the in-memory path cannot run at all, so the engine
that stays within a set limit wins over the faster one that does not. DuckDB's window functions
and grouping are also what Spark offers, so one narwhals implementation (``_frames``) serves both.

What still takes memory: exact medians and percentiles hold each edge's waits (8 bytes per
transition), and ``variants`` one list of activity numbers per case. The end-to-end test runs
``waiting_times``, ``variants`` and ``rework`` of 4.8M events within ``memory_limit="200MB"``
under an address-space cap of 700 MB above the idle process, in which the in-memory path aborts.
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import narwhals.stable.v2 as nw

from o2c.errors import ColumnMappingError, InputFileError
from o2c.io import ColumnMapping
from o2c.io._mapping import as_mapping, resolve
from o2c.log import ACTIVITY, CASE_ID, REQUIRED, SOURCE_ROW, START_TIMESTAMP, TIMESTAMP, VALUE


@dataclass(frozen=True, eq=False)
class ScannedLog:
    """An event log left in Parquet files, analysed by DuckDB within ``memory_limit``.

    Made by ``scan_log``; pass it to ``o2c.directly_follows``, ``waiting_times``, ``variants``,
    ``rework`` or ``lead_times`` as you would a log in memory. ``files`` are the Parquet
    files in order, ``mapping`` the input column of each role, ``events`` the number of events.

    >>> import tempfile, pathlib
    >>> from o2c import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> scanned = scan_log(path)
    >>> scanned.events, scanned.has_value, len(scanned.files)
    (19, True, 1)
    >>> scanned.events_frame().collect().columns
    ['case_id', 'activity', 'time_us', 'start_us', 'source_row', 'value']
    >>> traces, names = scanned.traces()
    >>> traces.collect().shape, names[:2]
    ((3, 3), ['Change Price', 'Check Credit'])
    """

    files: tuple[str, ...]
    mapping: ColumnMapping
    events: int
    memory_limit: str | None
    connection: duckdb.DuckDBPyConnection = field(repr=False)

    def events_frame(self) -> nw.LazyFrame:
        """The events as a narwhals frame with ``o2c._engines._frames``' columns."""
        return nw.from_native(self.connection.sql("SELECT * FROM o2c_events"))

    @property
    def has_value(self) -> bool:
        """Whether the log has an order ``value``."""
        return self.mapping.value is not None

    def distinct_values(self, column: str, limit: int = 2) -> list[Any]:
        """Up to ``limit`` distinct non-empty values of a column of the files (none without it)."""
        names = self.connection.sql(f"SELECT * FROM read_parquet({_files(list(self.files))}) LIMIT 0").columns
        if column not in names:
            return []
        found = self.connection.sql(
            f"SELECT DISTINCT {_q(column)} FROM read_parquet({_files(list(self.files))}) "
            f"WHERE {_q(column)} IS NOT NULL LIMIT {int(limit)}"
        )
        return [row[0] for row in found.fetchall()]

    def traces(self) -> tuple[nw.LazyFrame, list[str]]:
        """One row per case: ``case_id``, ``trace`` (its activities' numbers in log order) and
        ``lead`` (µs).

        Activities are numbered 1, 2, ... in the order of the returned names: a list of small
        integers per case takes a fraction of the memory of a list of names.
        """
        names = [row[0] for row in self.connection.sql(
            "SELECT DISTINCT activity FROM o2c_events ORDER BY activity").fetchall()]  # fmt: skip
        per_case = self.connection.sql(
            "WITH codes AS (SELECT activity, (row_number() OVER (ORDER BY activity))::INTEGER AS code "
            "FROM (SELECT DISTINCT activity FROM o2c_events)) "
            "SELECT case_id, list(code ORDER BY time_us, source_row) AS trace, max(time_us) - min(start_us) AS lead "
            "FROM o2c_events JOIN codes USING (activity) GROUP BY case_id"
        )
        return nw.from_native(per_case), names


def scan_log(
    source: str | Path,
    *,
    mapping: ColumnMapping | Mapping[str, Any] | str | Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | Path | None = None,
) -> ScannedLog:
    """Point at an event log in Parquet without loading it; the analyses run out of core.

    Parameters
    ----------
    source : path
        A Parquet file, or a folder of Parquet files (read in name order, as one log).
    mapping : ColumnMapping, dict, or path of a YAML file, optional
        Input column per role, as for ``o2c.read_log``; roles left open are guessed from the
        column names. ``case_id``, ``activity`` and ``timestamp`` are needed; timestamps must be
        typed (Parquet timestamps; naive ones are taken as UTC, as ``o2c.validate`` does).
    memory_limit : str, optional
        DuckDB's memory limit, such as ``"1GB"``; beyond it DuckDB spills to disk. Default:
        DuckDB's own (80% of the machine's memory).
    threads : int, optional
        DuckDB's worker threads (default: one per core); fewer threads need less memory.
    temp_directory : path, optional
        Where DuckDB spills; default a new temporary folder, removed with the log handle.

    Returns
    -------
    ScannedLog
        The handle that ``o2c.directly_follows`` and the other core verbs take. Events
        are ordered within a case by timestamp, then by ``source_row`` (the file's own
        ``source_row`` column, else the row's position counted over the files, first = 1).
        Unlike ``read_log``, nothing is rejected or de-duplicated: an empty case id, activity
        or timestamp raises ``ColumnMappingError`` (read such files with ``read_log``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c import example_log
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> example_log().write_parquet(folder / "log.parquet")
    >>> scanned = scan_log(folder / "log.parquet", memory_limit="256MB")
    >>> scanned.events, scanned.mapping.case_id
    (19, 'case_id')
    """
    path = Path(source)
    files = sorted(str(p) for p in path.glob("*.parquet")) if path.is_dir() else [str(path)]
    if not files or not all(Path(f).is_file() for f in files):
        raise InputFileError(f"No Parquet file at {path}.", path=path)
    spill = (
        Path(temp_directory) if temp_directory is not None else Path(tempfile.mkdtemp(prefix="o2c-duckdb-"))
    )
    connection = duckdb.connect()
    settings = {"temp_directory": str(spill), "preserve_insertion_order": "false"}
    if memory_limit is not None:
        settings["memory_limit"] = memory_limit
    if threads is not None:
        settings["threads"] = str(threads)
    for name, setting in settings.items():
        connection.execute(f"SET {name} = {_text(setting)}")
    try:
        scan = connection.read_parquet(files, file_row_number=True, filename=True)
    except duckdb.Error as exc:
        raise InputFileError(f"{path} could not be read as Parquet: {exc}", path=path) from exc
    schema = dict(zip(scan.columns, scan.types, strict=True))
    columns = [c for c in scan.columns if c not in ("file_row_number", "filename")]
    sample = connection.sql(f"SELECT * FROM read_parquet({_files(files)}) LIMIT 1000").pl()
    resolved = resolve(as_mapping(mapping), columns, path=str(path), sample=sample)
    roles = resolved.roles()
    for role in (TIMESTAMP, START_TIMESTAMP):
        if role in roles and not str(schema[roles[role]]).startswith("TIMESTAMP"):
            raise ColumnMappingError(
                f"scan_log needs typed timestamps, but column {roles[role]!r} ({role}) of {path.name} "
                f"is {schema[roles[role]]}; read the file with o2c.read_log, which parses text.",
                column=roles[role],
            )
    sizes = dict(
        connection.sql(f"SELECT file_name, num_rows FROM parquet_file_metadata({_files(files)})").fetchall()
    )
    offsets = [sum(sizes[f] for f in files[:i]) for i in range(len(files))]
    own_rows = SOURCE_ROW in columns and SOURCE_ROW not in roles.values()
    connection.execute(_view(files, roles, has_source_row=own_rows, offsets=offsets))
    nulls = connection.sql(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {_q(roles[r])} IS NULL)" for r in REQUIRED)
        + f", count(*) FROM read_parquet({_files(files)})"
    ).fetchall()[0]  # fmt: skip
    for role, count in zip(REQUIRED, nulls, strict=False):
        if count:
            raise ColumnMappingError(
                f"{path.name} has {count:,} empty values in {roles[role]!r} ({role}); read it with "
                "o2c.read_log, which moves such rows to the rejects.",
                column=roles[role],
            )
    log = ScannedLog(tuple(files), resolved, int(nulls[-1]), memory_limit, connection)
    if temp_directory is None:
        weakref.finalize(log, _remove, connection, spill)
    return log


def parquet_bytes(source: str | Path) -> int | None:
    """The uncompressed size of a Parquet file's (or folder's) column data in bytes, from its
    metadata (no data read); None when ``source`` is not Parquet.

    >>> import tempfile, pathlib
    >>> from o2c import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> parquet_bytes(path) > 0, parquet_bytes(pathlib.Path(tempfile.mkdtemp()))
    (True, None)
    """
    path = Path(source)
    files = sorted(str(p) for p in path.glob("*.parquet")) if path.is_dir() else [str(path)]
    if not files or not all(Path(f).is_file() for f in files):
        return None
    try:
        with duckdb.connect() as connection:
            found = connection.sql(
                f"SELECT sum(total_uncompressed_size) FROM parquet_metadata({_files(files)})"
            ).fetchall()
    except duckdb.Error:
        return None
    return int(found[0][0] or 0)


def _view(files: list[str], roles: dict[str, str], *, has_source_row: bool, offsets: list[int]) -> str:
    """The SQL view ``o2c_events`` with the columns ``o2c._engines._frames`` works on."""
    time = f"epoch_us({_q(roles[TIMESTAMP])})"
    start = f"coalesce(epoch_us({_q(roles[START_TIMESTAMP])}), {time})" if START_TIMESTAMP in roles else time
    if has_source_row:
        row = f"CAST({_q(SOURCE_ROW)} AS BIGINT)"
    else:  # the row's position over the files in order, first = 1
        cases = " ".join(f"WHEN {_text(f)} THEN {o}" for f, o in zip(files, offsets, strict=True))
        row = f"file_row_number + 1 + CASE filename {cases} END"
    value = f", CAST({_q(roles[VALUE])} AS DOUBLE) AS value" if VALUE in roles else ""
    if START_TIMESTAMP in roles:
        value += f", {_q(roles[START_TIMESTAMP])} IS NOT NULL AS start_known"
    return (
        "CREATE VIEW o2c_events AS SELECT "
        f"CAST({_q(roles[CASE_ID])} AS VARCHAR) AS case_id, CAST({_q(roles[ACTIVITY])} AS VARCHAR) AS activity, "
        f"{time} AS time_us, {start} AS start_us, {row} AS source_row{value} "
        f"FROM read_parquet({_files(files)}, file_row_number = true, filename = true)"
    )


def _files(files: list[str]) -> str:
    """The list of files as SQL text."""
    return "[" + ", ".join(_text(f) for f in files) + "]"


def _text(value: str) -> str:
    """``value`` as a quoted SQL string."""
    return "'" + value.replace("'", "''") + "'"


def _q(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _remove(connection: duckdb.DuckDBPyConnection, folder: Path) -> None:
    import shutil

    connection.close()
    shutil.rmtree(folder, ignore_errors=True)
