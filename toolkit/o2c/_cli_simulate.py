"""``o2c simulate``: simulate orders and write the sample files, byte for byte the same per seed.

Writes into ``--out``: ``o2c_orders.csv``, ``.parquet`` and ``.xes.gz`` (every order), an
Excel excerpt ``o2c_orders.xlsx`` and a messy European export ``o2c_orders_export.csv`` (the
first ``--excerpt`` orders), ``mapping_export.yaml``, ``ideal_path.yaml``, ``calendar.yaml`` (the
simulated back office's working calendar, for ``--calendar``) and ``truth.json``; and an
object-centric log of ``--excerpt`` orders, ``o2c_objects.jsonocel`` (OCEL 2.0 JSON, by
``o2c.simulate_ocel`` with the same seed), with its truth ``truth_objects.json``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from o2c._simulate import WORKING_HOURS, Simulation, simulate, simulate_ocel
from o2c.errors import ArgumentError
from o2c.model import IdealPath
from o2c.ocel import write_ocel

HELP = "simulate an order-to-cash log with planted patterns and write the sample files and their truth"

#: Case attributes, in the column order of the sample files.
ATTRIBUTES = ("currency", "region", "customer", "sales_org", "channel", "payment_terms_days", "due_date")

#: Event attributes of a log with the back office planted (``--back-office``): the re-keyed fields,
#: each event carrying the values as they stand after it. Written after the case attributes.
FIELDS = ("quantity", "requested_date", "ship_to", "customer_po")

#: Defects planted in the European export: how many rows of each kind.
EXPORT_DEFECTS = {"missing_case_id": 3, "unparseable_timestamp": 2, "duplicate_line": 1, "trailing_spaces": 5}

#: German headers of the European export, per column of the sample CSV.
EXPORT_HEADERS = {
    "case_id": "Auftrag",
    "activity": "Aktivität",
    "timestamp": "Zeitpunkt",
    "resource": "Bearbeiter",
    "net_value": "Nettowert",
    "currency": "Währung",
    "region": "Region",
    "customer": "Kunde",
    "sales_org": "Verkaufsorganisation",
    "channel": "Vertriebsweg",
    "payment_terms_days": "Zahlungsziel (Tage)",
    "due_date": "Fälligkeitsdatum",
    "quantity": "Menge",
    "requested_date": "Wunschlieferdatum",
    "ship_to": "Warenempfänger",
    "customer_po": "Bestellnummer Kunde",
}

MAPPING_EXPORT = """\
# How to read o2c_orders_export.csv: a European ERP export (';'-separated, cp1252, CRLF line
# ends, day-first local times in Europe/Berlin, decimal comma and thousands dot in Nettowert).
case_id: Auftrag
activity: Aktivität
timestamp: Zeitpunkt
resource: Bearbeiter
value: Nettowert
dayfirst: true
timezone: Europe/Berlin
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=5000, help="number of orders (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", required=True, help="folder to write the files into (created if missing)")
    parser.add_argument(
        "--excerpt",
        type=int,
        default=300,
        help="orders in the Excel file and the European export (default 300)",
    )
    parser.add_argument(
        "--back-office",
        action="store_true",
        help="plant the back office: approval chains, a rubber stamp, a rejecting approval, re-keyed fields",
    )
    parser.add_argument(
        "--change-step", metavar="STEP", help="plant a change: this step slows down (e.g. 'Ship Goods')"
    )
    parser.add_argument(
        "--change-at", metavar="DATE", help="for orders created on or after DATE (with --change-step)"
    )
    parser.add_argument(
        "--change-factor", type=float, default=1.0, metavar="X", help="the step's wait times X (default 1)"
    )
    parser.add_argument(
        "--change-days", type=int, default=0, metavar="N", help="and N working days more (default 0)"
    )


def run(args: argparse.Namespace) -> int:
    sim = simulate(
        args.cases,
        seed=args.seed,
        back_office=args.back_office,
        change_step=args.change_step,
        change_at=args.change_at,
        change_factor=args.change_factor,
        change_days=args.change_days,
    )
    written = write_samples(sim, Path(args.out), excerpt=args.excerpt, seed=args.seed)
    truth = sim.truth
    print(
        f"simulated {truth['cases']:,} orders, {truth['events']:,} events, {truth['variants']:,} variants "
        f"(seed {args.seed}); wrote {len(written)} files to {args.out}: " + ", ".join(p.name for p in written)
    )
    return 0


def write_samples(sim: Simulation, out: Path, *, excerpt: int = 300, seed: int = 0) -> list[Path]:
    """Write every sample file of ``sim`` into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    table = orders_table(sim.log)
    first = table["case_id"].unique(maintain_order=True).head(excerpt)
    part = table.filter(pl.col("case_id").is_in(first.implode()))
    defects = sum(EXPORT_DEFECTS.values())
    if part.height < defects:
        raise ArgumentError(
            f"o2c simulate plants {defects} defects in distinct rows of the European export, which holds "
            f"the events of the first {excerpt} orders; {part.height} events are too few. "
            "Simulate more orders (--cases) or raise --excerpt.",
            function="write_samples",
            argument="excerpt",
            value=excerpt,
            allowed=f"orders enough for {defects} events",
        )
    files = {
        "o2c_orders.csv": _csv_bytes(table),
        "o2c_orders.parquet": _parquet_bytes(table),
        "o2c_orders.xes.gz": _gzip(xes_bytes(table, name=f"o2c simulated orders (seed {seed})")),
        "o2c_orders.xlsx": _xlsx_bytes(part, created=sim.truth["period"]["start"]),
        "o2c_orders_export.csv": export_bytes(part, rng=np.random.default_rng([seed, 2])),
        "mapping_export.yaml": MAPPING_EXPORT.encode(),
        "ideal_path.yaml": ideal_path_yaml(sim.ideal).encode(),
        "calendar.yaml": calendar_yaml().encode(),
        "truth.json": (json.dumps(sim.truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(),
        **_object_centric(excerpt, seed),
    }
    paths = []
    for name, content in files.items():
        path = out / name
        path.write_bytes(content)
        paths.append(path)
    return paths


def _object_centric(orders: int, seed: int) -> dict[str, bytes]:
    """``o2c_objects.jsonocel`` (``simulate_ocel(orders, seed=seed)`` as OCEL 2.0 JSON) and its truth."""
    sim = simulate_ocel(orders, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "o2c_objects.jsonocel"
        write_ocel(sim.ocel, path)
        data = path.read_bytes()
    truth = json.dumps(sim.truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {"o2c_objects.jsonocel": data, "truth_objects.json": truth.encode()}


def orders_table(log: pl.DataFrame) -> pl.DataFrame:
    """The columns of the sample files: the log's roles (value as ``net_value``), case attributes
    and, with the back office planted, the re-keyed fields."""
    return log.select(
        "case_id",
        pl.col("activity").cast(pl.String),
        "timestamp",
        "resource",
        "net_value",
        *ATTRIBUTES,
        *(field for field in FIELDS if field in log.columns),
    )


def _csv_bytes(table: pl.DataFrame) -> bytes:
    text = table.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(
        float_precision=2
    )
    return text.encode("utf-8")


def _parquet_bytes(table: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def _gzip(content: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as file:
        file.write(content)
    return buffer.getvalue()


def _xml(column: pl.Expr) -> pl.Expr:
    """A string expression escaped for an XML attribute value."""
    return (
        column.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
    )


def xes_bytes(table: pl.DataFrame, *, name: str) -> bytes:
    """The orders table as XES: case attributes on the trace; activity, time, resource and the
    re-keyed fields per event (``net_value`` too when it changes within an order)."""
    typed = {"net_value": "float", "payment_terms_days": "int", "quantity": "int", "requested_date": "date"}
    varies = table.select(pl.col("net_value").n_unique().over("case_id").max()).item() > 1
    on_events = [c for c in (*(("net_value",) if varies else ()), *FIELDS) if c in table.columns]

    def attribute(a: str, indent: str) -> pl.Expr:
        text = pl.col(a).cast(pl.String)
        if typed.get(a) == "date":  # XES dates are instants: midnight UTC of the day
            text = pl.col(a).dt.strftime("%Y-%m-%dT00:00:00+00:00")
        return pl.format(
            indent + '<{} key="{}" value="{}" />\n', pl.lit(typed.get(a, "string")), pl.lit(a), _xml(text)
        ).fill_null("")

    first = pl.col("case_id") != pl.col("case_id").shift(1)
    last = pl.col("case_id") != pl.col("case_id").shift(-1)
    opening = pl.concat_str(
        pl.format('\t<trace>\n\t\t<string key="concept:name" value="{}" />\n', _xml(pl.col("case_id"))),
        *(attribute(a, "\t\t") for a in ("net_value", *ATTRIBUTES) if a not in on_events),
    )
    event = pl.concat_str(
        pl.format(
            '\t\t<event>\n\t\t\t<string key="concept:name" value="{}" />\n'
            '\t\t\t<date key="time:timestamp" value="{}" />\n'
            '\t\t\t<string key="org:resource" value="{}" />\n',
            _xml(pl.col("activity")),
            pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            _xml(pl.col("resource")),
        ),
        *(attribute(a, "\t\t\t") for a in on_events),
        pl.lit("\t\t</event>\n"),
    )
    lines = table.select(
        pl.concat_str(
            pl.when(first.fill_null(True)).then(opening).otherwise(pl.lit("")),
            event,
            pl.when(last.fill_null(True)).then(pl.lit("\t</trace>\n")).otherwise(pl.lit("")),
        )
    ).to_series()
    header = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
        '\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext" />\n'
        '\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext" />\n'
        '\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext" />\n'
        '\t<classifier name="Activity" keys="concept:name" />\n'
        f'\t<string key="concept:name" value="{name}" />\n'
    )
    return (header + "".join(lines.to_list()) + "</log>\n").encode("utf-8")


def _xlsx_bytes(table: pl.DataFrame, *, created: str) -> bytes:
    """The table as one Excel sheet ``orders``; times are UTC without zone (Excel has none)."""
    import xlsxwriter  # a test extra of pyproject.toml for now; only this writer needs it

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime.fromisoformat(created.removesuffix("Z")), "title": "orders"})
    sheet = workbook.add_worksheet("orders")
    formats = {
        "timestamp": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "due_date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "requested_date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "net_value": workbook.add_format({"num_format": "#,##0.00"}),
    }
    naive = table.with_columns(pl.col("timestamp").dt.replace_time_zone(None))
    sheet.write_row(0, 0, naive.columns)
    for index, column in enumerate(naive.columns):
        sheet.write_column(1, index, naive[column].to_list(), formats.get(column))
    sheet.set_column(0, len(naive.columns) - 1, 16)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def _decimal_comma(column: pl.Expr) -> pl.Expr:
    """12345.6 -> '12.345,60': thousands dot, decimal comma."""
    cents = (column * 100).round(0).cast(pl.Int64)
    euros = (
        (cents // 100)
        .cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "$1.")
        .str.reverse()
        .str.strip_prefix(".")
    )
    return pl.concat_str(euros, pl.lit(","), (cents % 100).cast(pl.String).str.zfill(2))


def export_bytes(table: pl.DataFrame, *, rng: np.random.Generator) -> bytes:
    """The table as a European ERP export with ``EXPORT_DEFECTS`` planted (see sample_logs/README.md)."""
    german = table.select(
        "case_id",
        "activity",
        pl.col("timestamp").dt.convert_time_zone("Europe/Berlin").dt.strftime("%d.%m.%Y %H:%M:%S"),
        "resource",
        _decimal_comma(pl.col("net_value")).alias("net_value"),
        *ATTRIBUTES[:-1],
        pl.col("due_date").dt.strftime("%d.%m.%Y"),
        *(
            pl.col(field).dt.strftime("%d.%m.%Y") if table.schema[field] == pl.Date else pl.col(field)
            for field in FIELDS
            if field in table.columns
        ),
    ).with_row_index("row")
    rows = rng.choice(german.height, size=sum(EXPORT_DEFECTS.values()), replace=False)
    chosen, start = {}, 0
    for kind, count in EXPORT_DEFECTS.items():
        chosen[kind] = pl.Series(np.sort(rows[start : start + count]), dtype=pl.UInt32)
        start += count
    row = pl.col("row")
    broken_date = pl.concat_str(pl.lit("31.02."), pl.col("timestamp").str.slice(6))
    german = german.with_columns(
        case_id=pl.when(row.is_in(chosen["missing_case_id"].implode())).then(None).otherwise("case_id"),
        activity=pl.when(row.is_in(chosen["trailing_spaces"].implode()))
        .then(pl.concat_str("activity", pl.lit("  ")))
        .otherwise("activity"),
        timestamp=pl.when(row == chosen["unparseable_timestamp"][0])
        .then(broken_date)
        .when(row.is_in(chosen["unparseable_timestamp"].implode()))
        .then(pl.lit("00.00.0000 00:00:00"))
        .otherwise("timestamp"),
    )
    german = pl.concat([german, german.filter(row.is_in(chosen["duplicate_line"].implode()))]).sort(
        "row", maintain_order=True
    )
    text = (
        german.drop("row")
        .rename(EXPORT_HEADERS, strict=False)
        .write_csv(separator=";", line_terminator="\r\n", quote_style="necessary", null_value="")
    )
    return text.encode("cp1252")


def ideal_path_yaml(ideal: IdealPath) -> str:
    """The ideal path in the YAML format ``o2c.read_ideal_path`` reads."""
    lines = [f"name: {ideal.name}", "steps:"]
    for step in ideal.steps:
        lines.append(f"  - {{step: {step}, optional: true}}" if step in ideal.optional else f"  - {step}")
    lines.append("target_hours:          # the theoretical time of each step, for flow efficiency")
    lines += [f"  {step}: {_number(hours)}" for step, hours in ideal.target_hours.items()]
    lines.append("milestones:            # which steps mean ordered / delivered / invoiced / paid")
    lines += [f"  {milestone}: {step}" for milestone, step in ideal.milestones.items()]
    return "\n".join(lines) + "\n"


def calendar_yaml() -> str:
    """The working calendar of the simulated back office (people work Monday to Friday within
    ``WORKING_HOURS``, UTC, without holidays) in the format ``o2c.read_calendar`` reads."""
    first, last = WORKING_HOURS
    span = f'["{first:02d}:00-{last:02d}:00"]'
    days = ("monday", "tuesday", "wednesday", "thursday", "friday")
    lines = [
        "# The working calendar of the simulated back office: o2c assess --calendar counts waits in these hours.",
        "name: simulated back office",
        "timezone: UTC",
        'working_hours:          # several spans a day allowed: ["08:00-12:00", "13:00-17:00"]',
        *(f"  {day}: {span}" for day in days),
        "  saturday: []",
        "  sunday: []",
        "holidays: []            # dates such as [2025-12-25], and/or holiday_country: DE, holiday_subdivision: BE",
    ]
    return "\n".join(lines) + "\n"


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
