"""Which input column plays which role (case id, activity, timestamp, ...): given or guessed."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from o2c.errors import ColumnMappingError, InputFileError, TimestampFormatError, did_you_mean, is_share
from o2c.io._timestamps import parse_timestamps
from o2c.log import ROLES
from o2c.model import ColumnMapping

# Normalised column names that name a role, best first (lower case, non-alphanumerics -> "_").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "case_id": (
        "case_id",
        "case_concept_name",
        "caseid",
        "case",
        "order_id",
        "order",
        "sales_order",
        "sales_document",
        "vbeln",
        "order_number",
        "auftrag",
        "auftragsnummer",
        "bestellung",
        "ticket",
        "ticket_id",
        "trace_id",
        "process_id",
        "fall",
        "case_key",
    ),
    "activity": (
        "activity",
        "concept_name",
        "activity_name",
        "event",
        "event_name",
        "step",
        "task",
        "action",
        "aktivitaet",
        "aktivität",
        "vorgang",
        "activity_en",
        "status",
    ),
    "timestamp": (
        "timestamp",
        "time_timestamp",
        "end_timestamp",
        "complete_timestamp",
        "completed_at",
        "done_at",
        "event_time",
        "time",
        "datetime",
        "date_time",
        "end_time",
        "end",
        "completed",
        "date",
        "changed_on",
        "created_on",
        "zeitpunkt",
        "zeitstempel",
        "datum",
        "erstellt_am",
    ),
    "start_timestamp": ("start_timestamp", "start_time", "started_at", "start", "beginn", "start_date"),
    "resource": (
        "resource",
        "org_resource",
        "user",
        "user_name",
        "username",
        "performer",
        "agent",
        "employee",
        "bearbeiter",
        "benutzer",
        "owner",
        "changed_by",
        "created_by",
    ),
    "lifecycle": ("lifecycle", "lifecycle_transition", "transition", "event_type"),
    "value": (
        "value",
        "net_value",
        "order_value",
        "amount",
        "net_amount",
        "netwr",
        "nettowert",
        "betrag",
        "wert",
        "case_amount_req",
        "amount_req",
        "case_value",
    ),
}
_OPTIONS = ("timezone", "dayfirst", "classifier")

#: The mapping file's section for the report's process maps (not for reading the log), and its
#: keys: ``o2c.render_map``'s sliders, shares from 0 to 1, as ``o2c assess --map-activities``
#: and ``--map-paths`` set them.
MAP_SECTION = "map"
MAP_SLIDERS = ("activities", "paths")


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-zäöüß]+", "_", name.strip().lower()).strip("_")


def saved_mapping(mapping: ColumnMapping, notes: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping a log was read with, as ``--mapping`` reads it back: the roles, the classifier,
    and the time zone and date order used (``notes`` of the source), always in this order.

    >>> saved_mapping(ColumnMapping(case_id="Order", classifier="activity"), {"timezone": "UTC", "dayfirst": None})
    {'case_id': 'Order', 'classifier': 'activity', 'timezone': 'UTC', 'dayfirst': None}
    """
    classifier = {"classifier": mapping.classifier} if mapping.classifier is not None else {}
    return (
        mapping.roles() | classifier | {"timezone": notes.get("timezone"), "dayfirst": notes.get("dayfirst")}
    )


def as_mapping(mapping: ColumnMapping | Mapping[str, Any] | str | Path | None) -> ColumnMapping:
    """A ``ColumnMapping`` from a mapping, a dict, a YAML file path, or None (all guessed).

    A ``map`` section (the report's map sliders, see ``read_mapping_file``) is not about reading
    the log and is passed over.

    >>> as_mapping({"case_id": "Order"}).case_id
    'Order'
    """
    if mapping is None:
        return ColumnMapping()
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, str | Path):
        return as_mapping(read_mapping_file(mapping))
    known = [f.name for f in fields(ColumnMapping)]
    unknown = [k for k in mapping if k not in [*known, MAP_SECTION]]
    if unknown:
        raise ColumnMappingError(
            f"Unknown mapping key {unknown[0]!r}; keys are {known}." + did_you_mean(str(unknown[0]), known),
            column=str(unknown[0]),
        )
    clean: dict[str, Any] = {
        k: (v if k in _OPTIONS or v is None else str(v)) for k, v in mapping.items() if k != MAP_SECTION
    }
    return ColumnMapping(**clean)


def read_mapping_file(path: str | Path) -> dict[str, Any]:
    """The roles and options of a mapping file (YAML ``role: column``); an empty file maps nothing.

    An optional ``map`` section sets the report's map sliders (``MAP_SLIDERS``: ``activities``,
    ``paths``, shares from 0 to 1); it is checked here, with the file, key and value in the error.

    >>> import pathlib, tempfile
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "mapping.yaml"
    >>> _ = file.write_text("case_id: Auftrag\\ndayfirst: true\\nmap: {activities: 0.9}")
    >>> read_mapping_file(file)
    {'case_id': 'Auftrag', 'dayfirst': True, 'map': {'activities': 0.9}}
    >>> _ = file.write_text("map: {paths: 95}")
    >>> read_mapping_file(file)
    Traceback (most recent call last):
    ...
    o2c.errors.ColumnMappingError: The mapping file .../mapping.yaml sets map: paths to 95; it must be a share from 0 to 1 (0.95 keeps 95%).
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(f"Cannot read the mapping file {path}: {exc.strerror}.", path=path) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(f"The mapping file {path} is not UTF-8 text: {exc}.", path=path) from exc
    except yaml.YAMLError as exc:
        raise ColumnMappingError(f"The mapping file {path} is not valid YAML: {exc}", path=path) from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ColumnMappingError(
            f"The mapping file {path} must hold 'role: column' lines (case_id: Order, ...); "
            f"it holds a {type(document).__name__}.",
            path=path,
        )
    found = {str(key): value for key, value in document.items()}
    if MAP_SECTION in found:
        _check_map_section(found[MAP_SECTION], path)
    return found


def _check_map_section(section: object, path: Path) -> None:
    """Raise ``ColumnMappingError`` unless ``section`` holds only shares under ``MAP_SLIDERS``."""
    keys = ", ".join(repr(k) for k in MAP_SLIDERS)
    if not isinstance(section, dict):
        raise ColumnMappingError(
            f"The mapping file {path} has a map section that is a {type(section).__name__}; it must hold "
            f"keys {keys} with shares from 0 to 1, e.g. 'map: {{activities: 0.9, paths: 0.95}}'.",
            path=path,
        )
    for key, value in section.items():
        if key not in MAP_SLIDERS:
            raise ColumnMappingError(
                f"The mapping file {path} has an unknown key {key!r} in its map section; keys are {keys}."
                + did_you_mean(str(key), MAP_SLIDERS),
                path=path,
            )
        if not is_share(value):
            raise ColumnMappingError(
                f"The mapping file {path} sets map: {key} to {value!r}; it must be a share from 0 to 1 "
                "(0.95 keeps 95%).",
                path=path,
            )


def resolve(
    mapping: ColumnMapping, columns: Sequence[str], *, path: str | None, sample: pl.DataFrame | None = None
) -> ColumnMapping:
    """Fill the roles ``mapping`` leaves open by guessing from ``columns``; check given ones exist.

    Roles are guessed from column names (English and German synonyms, pm4py's XES keys). When
    no name says timestamp, the first column of ``sample`` whose values all read as timestamps
    is taken.

    >>> resolve(ColumnMapping(), ["Order", "Activity", "Changed On", "Net Value"], path=None).roles()
    {'case_id': 'Order', 'activity': 'Activity', 'timestamp': 'Changed On', 'value': 'Net Value'}
    """
    for role, column in mapping.roles().items():
        if column not in columns:
            hint = did_you_mean(column, columns)
            raise ColumnMappingError(
                f"{_where(path)} has no column {column!r} for {role}.\n"
                f"  columns in the file: {', '.join(repr(c) for c in columns)}\n"
                + (f" {hint.strip()}\n" if hint else "")
                + f"  fix: ColumnMapping({role}=...) or --{role.replace('_', '-')} COLUMN",
                path=path,
                column=column,
            )
    taken = set(mapping.roles().values())
    guessed: dict[str, Any] = {}
    normalised = {c: _norm(c) for c in columns}
    for role in ROLES:
        if getattr(mapping, role) is not None:
            continue
        found = _guess(role, normalised, taken)
        if found is not None:
            guessed[role] = found
            taken.add(found)
    if mapping.timestamp is None and "timestamp" not in guessed and sample is not None:
        found = _timestamp_by_content(sample, [c for c in columns if c not in taken])
        if found is not None:
            guessed["timestamp"] = found
    result = replace(mapping, **guessed)
    missing = [r for r in ("case_id", "activity", "timestamp") if getattr(result, r) is None]
    if missing:
        role = missing[0]
        raise ColumnMappingError(
            f"{_where(path)}: no column could be recognised as {role}.\n"
            f"  columns in the file: {', '.join(repr(c) for c in columns)}\n"
            f"  fix: ColumnMapping({role}='COLUMN') or --{role.replace('_', '-')} COLUMN",
            path=path,
            column=None,
        )
    return result


def _guess(role: str, normalised: dict[str, str], taken: set[str]) -> str | None:
    free = {c: n for c, n in normalised.items() if c not in taken}
    for synonym in _SYNONYMS[role]:
        exact = [c for c, n in free.items() if n == synonym]
        if len(exact) > 1:
            raise ColumnMappingError(
                f"Columns {exact} all look like {role}; say which one to use "
                f"(--{role.replace('_', '-')} COLUMN).",
                column=exact[0],
            )
        if exact:
            return exact[0]
    return None


def _timestamp_by_content(sample: pl.DataFrame, columns: Sequence[str]) -> str | None:
    for column in columns:
        values = sample[column].drop_nulls().head(200)
        if values.is_empty():
            continue
        if isinstance(values.dtype, pl.Datetime) or values.dtype == pl.Date:
            return column
        if values.dtype != pl.String or not bool(
            values.str.contains(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}").all()
        ):
            continue
        try:
            parsed = parse_timestamps(values, timezone="UTC", dayfirst=None, column=column, path=None)
        except TimestampFormatError:
            return column  # dates whose order is ambiguous are still dates; reading them says so
        if int(parsed.values.is_not_null().sum()) == values.len():
            return column
    return None


def _where(path: str | None) -> str:
    return Path(path).name if path else "The frame"


def projection(
    names: Sequence[str], columns: Collection[str], mapping: ColumnMapping, *, path: str
) -> list[str]:
    """The input columns ``read_log(columns=...)`` reads, in the file's order: ``columns`` and
    those ``mapping`` names; a column the file does not have is an error naming the file.

    >>> projection(["Order", "Step", "Done", "Plant"], {"Step", "Done"}, ColumnMapping(case_id="Order"), path="x.csv")
    ['Order', 'Step', 'Done']
    """
    missing = sorted(set(columns) - set(names))
    if missing:
        raise ColumnMappingError(
            f"{Path(path).name} has no column {missing[0]!r} to read; its columns are "
            f"{', '.join(map(repr, names[:30]))}{', ...' if len(names) > 30 else ''}."
            + did_you_mean(missing[0], list(names)),
            path=path,
            column=missing[0],
        )
    named = set(mapping.roles().values())
    return [name for name in names if name in columns or name in named]
