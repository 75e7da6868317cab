"""The order-to-cash milestones of a log: ordered, delivered, invoiced, paid.

An ideal path names them (``IdealPath.milestones``); without, each is guessed from the activity
names by rules in English, German and SAP's document names (``GUESSES``): the first rule that
names some activity wins, and among its matches the activity in most orders (ties by name).
Later milestones choose first, so "Create Invoice" is never taken as "ordered"; reminders,
dunning, cancellations and requests are never milestones. Each guess keeps the rule that made
it, for the report to show.

The wait before the paid milestone is the customer's (the company controls when it invoices,
not when the customer pays): ``customer_steps`` names the steps whose incoming wait is the
customer's, given or guessed, and ``o2c.bottlenecks`` never ranks them as the company's.

>>> from o2c import example_log
>>> stones = find_milestones(example_log())
>>> stones["paid"].activity, stones["paid"].rule
('Receive Payment', 'receiving, posting or clearing a payment (English)')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from o2c.log import ACTIVITY, CASE_ID
from o2c.model import MILESTONES, IdealPath


@dataclass(frozen=True)
class Milestone:
    """A milestone, the activity that marks it (None when nothing fits), and how it was found."""

    name: str
    activity: str | None
    guessed: bool
    rule: str

    def label(self) -> str:
        """The milestone in words, as KPI definitions cite it."""
        if self.activity is None:
            return f"the {self.name} milestone (no activity of the log looks like it)"
        how = f", guessed from the activity names: {self.rule}" if self.guessed else ""
        return f"{self.activity!r} ({self.name}{how})"


#: How each milestone is guessed: (pattern, rule in words) tried in order; patterns are
#: case-insensitive regular expressions searched in the activity name.
GUESSES: dict[str, tuple[tuple[str, str], ...]] = {
    "paid": (
        (r"(?i)(receiv|record|post|book|clear).*pay|pay.*(receiv|record|post|book)",
         "receiving, posting or clearing a payment (English)"),
        (r"(?i)zahlung(s)?(eingang|ausgleich)|(zahlung|ausgleich).*(buch|erfass|erhalt)|(buch|erfass).*zahlung",
         "a payment received or posted (German: Zahlungseingang)"),
        (r"(?i)pay|clear|zahlung|ausgleich|bezahlt", "a payment or clearing"),
    ),
    "invoiced": (
        (r"(?i)(creat|issu|post|record|send).*(invoice|bill)", "creating or sending an invoice (English, SAP)"),
        (r"(?i)rechnung|faktur", "an invoice (German: Rechnung, Faktura)"),
        (r"(?i)invoice|bill", "an invoice or bill"),
    ),
    "delivered": (
        (r"(?i)ship(ped|ping)? goods|goods issue|post goods (issue|movement)",
         "shipping goods or posting the goods issue (English, SAP)"),
        (r"(?i)warenausgang|versand|ausliefer", "shipping or the goods issue (German: Warenausgang, Versand)"),
        (r"(?i)ship", "shipping"),
        (r"(?i)deliver", "a delivery (SAP: Create Delivery)"),
        (r"(?i)lieferung", "a delivery (German: Lieferung)"),
    ),
    "ordered": (
        (r"(?i)(creat|enter|receiv|record).*sales order", "creating a sales order (English, SAP)"),
        (r"(?i)(kunden)?auftrag.*(anleg|erfass|eingang)|(anleg|erfass).*auftrag|auftragseingang|bestellung",
         "entering an order (German: Auftrag anlegen, Bestellung)"),
        (r"(?i)(creat|enter|receiv|record).*order", "creating or receiving an order"),
        (r"(?i)order|auftrag", "an order"),
        (r"(?i)creat|anleg", "a creation step"),
    ),
}  # fmt: skip

#: Payment reminders and dunning (English, German: Mahnung), case-insensitive: never a
#: milestone, and always drawn on the report's maps (``o2c.report.draw_maps``).
REMINDER_PATTERN = r"(?i)remind|dunn|mahn"

#: Activities never taken as a milestone: reminders, dunning, cancellations, requests, changes
#: (English, German).
NEVER_MILESTONE = REMINDER_PATTERN + r"|cancel|request|chang|storn|anfrage|änder"


def find_milestones(log: pl.DataFrame, ideal: IdealPath | None = None) -> dict[str, Milestone]:
    """Each milestone's activity: the ideal path's, else guessed (see the module docstring).

    ``log`` is a validated event log.

    >>> from o2c import example_log
    >>> [m.activity for m in find_milestones(example_log()).values()]
    ['Create Sales Order', 'Ship Goods', 'Create Invoice', 'Receive Payment']
    """
    return milestones_from_counts(activity_cases(log), ideal)


def activity_cases(log: pl.DataFrame) -> pl.DataFrame:
    """How many cases of a validated ``log`` each activity occurs in: ``activity``, ``cases``.

    >>> from o2c import example_log
    >>> activity_cases(example_log()).sort("activity").row(0)
    ('Change Price', 1)
    """
    # counted on case numbers, eagerly: lazily polars picks its streaming engine, which counts
    # distinct values at a quarter of the speed (10M: 0.4 s)
    return (
        log.select(ACTIVITY, _case=pl.col(CASE_ID).rle_id())
        .group_by(ACTIVITY)
        .agg(cases=pl.col("_case").n_unique())
        .select(pl.col(ACTIVITY).cast(pl.String), "cases")
    )


def milestones_from_counts(counts: pl.DataFrame, ideal: IdealPath | None = None) -> dict[str, Milestone]:
    """``find_milestones`` from the cases per activity (``activity_cases``, or an engine's count).

    >>> from o2c import example_log
    >>> [m.activity for m in milestones_from_counts(activity_cases(example_log())).values()]
    ['Create Sales Order', 'Ship Goods', 'Create Invoice', 'Receive Payment']
    """
    given = dict(ideal.milestones) if ideal is not None else {}
    counts = counts.sort(["cases", ACTIVITY], descending=[True, False])
    present = set(counts[ACTIVITY].to_list())
    taken = {step for step in given.values() if step in present}
    found: dict[str, Milestone] = {}
    for name in reversed(MILESTONES):  # paid first: "Create Invoice" must not become "ordered"
        if name in given:
            step = given[name]
            found[name] = Milestone(name, step if step in present else None, False, "named by the ideal path")
            continue
        candidates = counts.filter(
            ~pl.col(ACTIVITY).is_in(sorted(taken)) & ~pl.col(ACTIVITY).str.contains(NEVER_MILESTONE)
        )
        choice, rule = None, "no activity name fits"
        for pattern, words in GUESSES[name]:
            matching = candidates.filter(pl.col(ACTIVITY).str.contains(pattern))
            if matching.height:
                choice, rule = matching[ACTIVITY][0], words
                break
        if choice is not None:
            taken.add(choice)
        found[name] = Milestone(name, choice, True, rule)
    return {name: found[name] for name in MILESTONES}


def customer_steps(log: pl.DataFrame, ideal: IdealPath | None = None) -> frozenset[str]:
    """The steps whose incoming wait is the customer's: the ideal path's ``customer_steps``, else
    its paid milestone, else the paid milestone guessed from the activity names.

    >>> from o2c import example_log
    >>> sorted(customer_steps(example_log()))
    ['Receive Payment']
    """
    return steps_of_customer(ideal, lambda: activity_cases(log))


def steps_of_customer(ideal: IdealPath | None, counts: Callable[[], pl.DataFrame]) -> frozenset[str]:
    """``customer_steps``, the log's cases per activity asked of ``counts`` only when the ideal
    path does not name the steps (an engine counts them where the log is not in memory)."""
    if ideal is not None and (ideal.customer_steps is not None or "paid" in ideal.milestones):
        return ideal.waiting_steps_of_customer
    paid = milestones_from_counts(counts(), ideal)["paid"].activity
    return frozenset({paid}) if paid else frozenset()
