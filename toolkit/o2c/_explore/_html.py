"""The explorer's one self-contained HTML page: the vendored libraries, our script and style,
and the data, all inline (no request leaves the page; its Content-Security-Policy forbids one)."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

#: The vendored libraries, in the order the page loads them (``scripts/build_explorer.sh`` makes them).
VENDOR = ("cytoscape.min.js", "cytoscape-dagre.min.js")

#: The libraries and their licences, as the page's footer and the README name them.
LIBRARIES = "Cytoscape.js (MIT), cytoscape-dagre (MIT), dagre and graphlib (MIT)"

_SLOTS = re.compile(r"@@(TITLE|CSS|DATA|VENDOR|SCRIPT|LIBRARIES)@@")


@cache
def _resource(*parts: str) -> str:
    return resources.files("o2c._explore").joinpath(*parts).read_text(encoding="utf-8")


def data_json(data: dict[str, Any]) -> str:
    r"""The payload as strict JSON for the page's data element: ``<``, ``>`` and ``&`` written as
    ``\u003c`` ... (the same characters to ``JSON.parse``), so no name can close the element.

    >>> data_json({"activity": "</script><b>"})
    '{"activity":"\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _code(text: str) -> str:
    """Vendored or own code inline: a ``</script`` inside it would end the element early."""
    if re.search(r"</script|<!--", text, re.IGNORECASE):
        text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")
    return text


def explorer_page(data: dict[str, Any]) -> str:
    """The whole page for the payload ``data`` (``o2c._explore._payload.payload``)."""
    vendor = "\n".join(f"<script>{_code(_resource('vendor', name))}</script>" for name in VENDOR)
    slots = {
        "TITLE": html.escape(str(data.get("title", "event log"))),
        "CSS": _resource("static", "explorer.css").replace("</", "<\\/"),
        "DATA": data_json(data),
        "VENDOR": vendor,
        "SCRIPT": _code(_resource("static", "explorer.js")),
        "LIBRARIES": html.escape(LIBRARIES),
    }
    return _SLOTS.sub(lambda match: slots[match.group(1)], _resource("templates", "explorer.html"))
