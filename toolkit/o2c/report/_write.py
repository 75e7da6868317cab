"""Writing the report folder: report.html, findings.json, maps/, tables/, rejects.csv, mapping.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import yaml

from o2c._assess import Assessment
from o2c._write import replacing_folder, spreadsheet_safe_table
from o2c.errors import GraphvizMissingError, check_whole
from o2c.io._mapping import MAP_SECTION
from o2c.render.maps import LeftOut
from o2c.report._findings import cents, findings, mapping_of, validate_findings
from o2c.report._html import html_page, inline_svg, readable_svg
from o2c.report._maps import draw_maps

#: The files ``write_report`` writes besides ``maps/`` and ``tables/``.
REPORT_FILES = ("report.html", "findings.json", "rejects.csv", "mapping.yaml")
#: The interactive explorer ``write_report`` writes beside them (``explorer=True``).
EXPLORER_FILE = "explorer.html"


# --- writing the folder --------------------------------------------------------------------


def write_report(
    assessment: Assessment,
    out: str | Path,
    *,
    top: int = 10,
    map_activities: float = 0.8,
    map_paths: float = 0.8,
    explorer: bool = True,
) -> list[Path]:
    """Write the report folder: report.html, findings.json, maps/, tables/, rejects.csv, mapping.yaml
    and explorer.html.

    Parameters
    ----------
    assessment : Assessment
        The result of ``o2c.assess``.
    out : path
        The folder (created when missing; files of the same names are replaced).
    top : int
        How many bottlenecks, drivers, rework rows and variants the report and findings.json list.
    map_activities, map_paths : float
        The maps' sliders (``o2c.render_map``'s ``activities`` and ``paths``); the bottleneck,
        the worst rework loop and the activities ``draw_maps`` keeps are always drawn.
    explorer : bool
        Also write ``explorer.html`` (``o2c.explore`` of the assessment, its sliders where the
        maps' are), which the report links to.

    Returns
    -------
    list of Path
        Every file written, in a fixed order. Without Graphviz's ``dot`` the maps are written
        as DOT only and the report says so.

    Examples
    --------
    >>> import tempfile
    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> written = write_report(assess(read_log(example_log()), progress=False), tempfile.mkdtemp())
    >>> [p.name for p in written][:4]
    ['report.html', 'findings.json', 'rejects.csv', 'mapping.yaml']
    """
    check_whole(top, argument="top", function="write_report")
    document = findings(assessment, top=top, map_activities=map_activities, map_paths=map_paths)
    validate_findings(document)
    folder = Path(out)
    with replacing_folder(folder) as staging:
        (staging / "maps").mkdir()
        (staging / "tables").mkdir()
        maps, map_files, left_out = _write_maps(assessment, staging, map_activities, map_paths)
        page = html_page(assessment, document, maps, left_out, top, explorer=explorer)
        files_: dict[str, bytes] = {
            "report.html": page.encode("utf-8"),
            "findings.json": (
                json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            ).encode("utf-8"),
            "rejects.csv": spreadsheet_safe_table(assessment.rejects).write_csv().encode("utf-8"),
            "mapping.yaml": yaml.safe_dump(
                mapping_of(assessment) | {MAP_SECTION: {"activities": map_activities, "paths": map_paths}},
                sort_keys=False,
                allow_unicode=True,
            ).encode("utf-8"),
        }
        if explorer:
            from o2c._explore import explore  # explore builds on report's maps: imported when asked for

            page = explore(assessment, activities=map_activities, paths=map_paths).html()
            files_[EXPLORER_FILE] = page.encode("utf-8")
        for name, frame in sorted(assessment.frames().items()):
            files_[f"tables/{name}.csv"] = _csv(frame).encode("utf-8")
        for name, content in files_.items():
            (staging / name).write_bytes(content)
    return [folder / name for name in files_] + [folder / p.relative_to(staging) for p in map_files]


def _csv(frame: pd.DataFrame) -> str:
    """A frame as CSV: durations in seconds (``*_s``), tuples of names joined by `` → ``.

    Written by polars (a million-row table in a fraction of a second); cells read as pandas
    would write them: empty for missing values and NaN, ``True``/``False``, times with their offset.
    Texts (and column names) a spreadsheet would evaluate get a leading ``'`` (``spreadsheet_safe_table``).
    """
    table = cents(frame)
    columns: list[pl.Series] = []
    for name in table.columns:
        values = table[name]
        if pd.api.types.is_timedelta64_dtype(values):
            columns.append(pl.Series(f"{name}_s", values.dt.total_seconds().to_numpy()))
        elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in (
            "string",
            "empty",
        ):
            codes, distinct = pd.factorize(values)  # each distinct cell is made text once; missing: -1
            texts = pl.Series(str(name), [*map(_csv_cell, distinct), None], dtype=pl.String)
            columns.append(texts.gather(np.where(codes < 0, len(distinct), codes)))
        else:
            columns.append(pl.from_pandas(values).alias(str(name)))
    written = pl.DataFrame(columns).with_columns(
        pl.col(pl.Float32, pl.Float64).fill_nan(None),
        pl.col(pl.String).replace("", None),  # polars quotes an empty text; pandas wrote nothing
        pl.col(pl.Boolean).replace_strict({True: "True", False: "False"}, return_dtype=pl.String),
    )
    written = spreadsheet_safe_table(written)
    return written.write_csv(datetime_format="%Y-%m-%d %H:%M:%S%.f%:z", line_terminator="\n")


def _csv_cell(value: Any) -> str | None:
    """One cell of an object column as text: names of a tuple joined by `` → ``, nothing when missing."""
    if isinstance(value, tuple):
        return " → ".join(map(str, value))
    return (
        None
        if value is None or value is pd.NaT or (isinstance(value, float) and value != value)
        else str(value)
    )


def _write_maps(
    assessment: Assessment, folder: Path, activities: float, paths: float
) -> tuple[dict[str, str | None], list[Path], LeftOut]:
    """Draw both maps into ``folder/maps``; return their inline SVG (None without Graphviz), the
    files, and what the maps left out."""
    inline: dict[str, str | None] = {}
    written: list[Path] = []
    maps = draw_maps(assessment, activities=activities, paths=paths)
    for name, chart in maps.items():
        dot = folder / "maps" / f"{name}.dot"
        dot.write_text(chart.source, encoding="utf-8")
        written.append(dot)
        try:
            svg = chart.pipe(format="svg")
            png = chart.pipe(format="png")
        except GraphvizMissingError:
            inline[name] = None
            continue
        for suffix, content in (("svg", svg), ("png", png)):
            path = folder / "maps" / f"{name}.{suffix}"
            path.write_bytes(content)
            written.append(path)
        inline[name] = readable_svg(inline_svg(svg.decode("utf-8")))
    return inline, written, maps["frequency"].left_out
