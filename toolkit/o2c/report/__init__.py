"""The client report: an ``Assessment`` -> one self-contained HTML file, findings.json and tables.

``write_report`` writes a folder a consultant can mail and an analyst can check:

- ``report.html``: the five headline findings in sentences with numbers, the frequency and
  waiting-time maps, bottlenecks with their drivers, rework, conformance, variants, data quality
  and rejects, and an appendix with every definition; inline CSS and SVG, no script, no
  network request. Every string from the log is HTML-escaped.
- ``findings.json``: the same numbers for machines (durations in seconds), valid against the
  JSON Schema ``findings.schema.json`` shipped in the package (``findings_schema()``).
- ``maps/``: both maps as SVG, PNG and DOT; ``tables/``: every result frame as CSV (durations
  in seconds, columns ``*_s``); ``rejects.csv``; ``mapping.yaml`` (``o2c assess LOG --mapping
  mapping.yaml`` reads the file the same way again and draws the same maps: its ``map``
  section holds the sliders).

The same assessment gives the same bytes in every file: no clock, sorted tables, a fixed chart
font and SVG hash salt, and Graphviz's output for a DOT text that is itself stable.

The package is one module per job: ``_headlines`` (the sentences and their caveats),
``_findings`` (findings.json, its schema, checking and comparing), ``_maps`` (the two maps, drawn
from the assessment's tables), ``_html`` (the page) and ``_write`` (the folder); the names below
are its public ones.

Examples
--------
>>> from o2c._assess import assess
>>> from o2c.io import read_log
>>> from o2c import example_log
>>> result = assess(read_log(example_log()), progress=False)
>>> findings(result)["conformance"]["conforming_cases"]
1
"""

from o2c.report._findings import (
    NOT_COMPARED,
    SCHEMA_VERSION,
    VERSIONED_PACKAGES,
    compare_findings,
    findings,
    findings_schema,
    validate_findings,
)
from o2c.report._headlines import Headlines, headlines, processing_sentence
from o2c.report._html import READABLE_TEXT_PX
from o2c.report._maps import MAP_MAX_ACTIVITIES, MAP_MAX_EDGES, draw_maps
from o2c.report._write import REPORT_FILES, write_report

__all__ = [
    "MAP_MAX_ACTIVITIES",
    "MAP_MAX_EDGES",
    "NOT_COMPARED",
    "READABLE_TEXT_PX",
    "REPORT_FILES",
    "SCHEMA_VERSION",
    "VERSIONED_PACKAGES",
    "Headlines",
    "compare_findings",
    "draw_maps",
    "findings",
    "findings_schema",
    "headlines",
    "processing_sentence",
    "validate_findings",
    "write_report",
]
