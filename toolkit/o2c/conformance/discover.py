"""An ideal path found in the log itself, when the client has none written down.

Examples
--------
>>> from o2c import example_log
>>> discover_ideal_path(example_log()).steps[:2]
('Create Sales Order', 'Check Credit')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import polars as pl

import o2c._pm4py as _pm4py
from o2c import _engines
from o2c.discovery import _variants, variants
from o2c.errors import ArgumentError, check_choice, check_share
from o2c.log import validate
from o2c.model import IdealPath, ProcessModel

#: How ``discover_ideal_path`` finds the path.
DISCOVERY_METHODS = ("most_frequent_variant", "inductive_miner")

#: Step names that end an order without success: cancellations, rejections, declines, reversals,
#: credit memos and returns, in English and German and as the SAP reader names document types
#: (``Cancel Invoice``, ``Create Credit Memo``, ``Create Return Order``). A variant that ends in
#: one is never the discovered ideal path; ``discover_ideal_path(..., unsuccessful=...)`` extends it.
UNSUCCESSFUL_ENDS = (
    r"(?i)cancel", r"(?i)reject", r"(?i)declin", r"(?i)revers", r"(?i)credit[ _-]?(memo|note)",
    r"(?i)\breturn", r"(?i)withdr[ae]w", r"(?i)\babort", r"(?i)\bvoid", r"(?i)annul", r"(?i)storn",
    r"(?i)ablehn|abgelehnt", r"(?i)abbruch|abgebrochen", r"(?i)gutschrift", r"(?i)r(ü|ue)ck(gabe|sendung|lieferung)",
)  # fmt: skip


def discover_ideal_path(
    log: pl.DataFrame | pd.DataFrame,
    *,
    method: str = "most_frequent_variant",
    noise_threshold: float = 0.2,
    paid: str | None = None,
    unsuccessful: Sequence[str] = UNSUCCESSFUL_ENDS,
) -> IdealPath | ProcessModel:
    """The ideal path as the log's most frequent successful variant, or a Petri net from the inductive miner.

    Parameters
    ----------
    log : DataFrame
        A validated event log.
    method : {"most_frequent_variant", "inductive_miner"}
        ``most_frequent_variant``: the trace most orders follow among those that reach the
        ``paid`` step and pass through no ``unsuccessful`` step (ties: the first trace by its
        activity names), as an ``IdealPath`` without optional steps, its ``paid`` milestone
        set, and its ``source`` naming the rule and the two runners-up with their counts.
        Without an order that reaches ``paid``, the most frequent such variant. When every
        variant passes through an unsuccessful step, those that do not end in one; when every
        variant ends in one, the most frequent variant. ``inductive_miner``:
        pm4py's inductive miner (its infrequent variant, which drops behaviour rarer than
        ``noise_threshold``), as a ``ProcessModel`` that ``align`` hands to pm4py.
    noise_threshold : float
        Between 0 and 1; used by ``inductive_miner`` only (0 keeps every observed behaviour).
    paid : str, optional
        The activity that means an order is paid (``o2c.milestones`` guesses it).
    unsuccessful : sequence of str
        Regular expressions of step names that end an order without success
        (``UNSUCCESSFUL_ENDS`` by default; add your own to it).

    Returns
    -------
    IdealPath or ProcessModel
        Named after how it was found.

    Examples
    --------
    >>> from o2c import example_log
    >>> discover_ideal_path(example_log(), paid="Receive Payment").source
    "most frequent variant among the orders that reached 'Receive Payment' and did not pass through a cancellation, rejection, decline, reversal, credit memo or return: 1 of 2 such orders (3 in all); runners-up: 1 order"
    >>> discover_ideal_path(example_log(), method="inductive_miner").activities[:2]
    ('Change Price', 'Check Credit')
    """
    if _engines.is_engine_log(log, function="discover_ideal_path"):  # from the engine's variants
        return _ideal_of_variants(
            variants(log),
            method=method,
            noise_threshold=noise_threshold,
            paid=paid,
            unsuccessful=unsuccessful,
        )
    return _discover_ideal_path(
        validate(log), method=method, noise_threshold=noise_threshold, paid=paid, unsuccessful=unsuccessful
    )


def _discover_ideal_path(
    log: pl.DataFrame,
    *,
    method: str = "most_frequent_variant",
    noise_threshold: float = 0.2,
    paid: str | None = None,
    unsuccessful: Sequence[str] = UNSUCCESSFUL_ENDS,
) -> IdealPath | ProcessModel:
    """``discover_ideal_path`` of a validated log."""
    return _ideal_of_variants(
        _variants(log), method=method, noise_threshold=noise_threshold, paid=paid, unsuccessful=unsuccessful
    )


def _ideal_of_variants(
    table: pd.DataFrame,
    *,
    method: str,
    noise_threshold: float,
    paid: str | None,
    unsuccessful: Sequence[str],
) -> IdealPath | ProcessModel:
    """``discover_ideal_path`` of the log whose ``o2c.variants`` are ``table``: both methods read
    the variants only (pm4py's inductive miner reduces a log to its variants first)."""
    check_choice(method, DISCOVERY_METHODS, argument="method", function="discover_ideal_path")
    check_share(noise_threshold, argument="noise_threshold", function="discover_ideal_path")
    if method == "inductive_miner":
        net = _pm4py.discover_inductive_net(
            table["trace"].tolist(), table["cases"].tolist(), noise_threshold=noise_threshold
        )
        return ProcessModel(
            *net, name="inductive miner", source=f"pm4py inductive miner, noise threshold {noise_threshold}"
        )
    if table.empty:
        raise ArgumentError(
            "discover_ideal_path needs events; the event log has none.",
            function="discover_ideal_path",
            argument="log",
            allowed="a log with events",
        )
    total = int(table["cases"].sum())
    patterns = [re.compile(p) for p in unsuccessful]
    failing = {
        a for a in {a for trace in table["trace"] for a in trace} if any(p.search(a) for p in patterns)
    }
    clean = table[[failing.isdisjoint(trace) for trace in table["trace"]]]
    successful = clean if len(clean) else table[[trace[-1] not in failing for trace in table["trace"]]]
    rule = "most frequent variant"
    if paid is not None:
        reaching = successful[[paid in trace for trace in successful["trace"]]]
        if len(reaching):
            successful, rule = reaching, f"{rule} among the orders that reached {paid!r} and"
        else:
            rule = f"{rule} (no order reached {paid!r}) among the orders that"
    else:
        rule = f"{rule} among the orders that"
    if len(successful):
        rule += (
            " did not pass through a cancellation, rejection, decline, reversal, credit memo or return"
            if len(clean)
            else " did not end in a cancellation, rejection, decline, reversal, credit memo or return"
        )
    else:
        successful, rule = (
            table,
            "most frequent variant (every variant ends in a cancellation, rejection or the like)",
        )
    cases, among = int(successful["cases"].iloc[0]), int(successful["cases"].sum())
    runners = " and ".join(_orders(int(n)) for n in successful["cases"].iloc[1:3])
    source = f"{rule}: {cases:,} of {among:,} such orders ({total:,} in all)" + (
        f"; runners-up: {runners}" if runners else ""
    )
    steps = tuple(successful["trace"].iloc[0])
    return IdealPath(
        steps,
        name=f"most frequent variant ({cases:,} of {total:,} orders)",
        milestones={"paid": paid} if paid is not None and paid in steps else {},
        source=source,
    )


def _orders(n: int) -> str:
    return f"{n:,} order" + ("" if n == 1 else "s")
