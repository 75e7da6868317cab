"""Seeded order-to-cash event logs with planted patterns: ``simulate()`` and its ``Simulation``.

``simulate`` generates a realistic order-to-cash process (order entry, credit checks,
approvals, re-keyed data, delivery, invoicing, dunning, complaints and payment) on a working
calendar, plants patterns on purpose (a bottleneck driven by one region, a ping-pong loop, a
self-loop, skipped credit checks, invoices before shipment, late payment after complaints, long
approval chains, stuck orders) and measures them again from the generated events: the
``truth`` a test can hold every analysis against.

Examples
--------
>>> sim = simulate(200, seed=1)
>>> sim.truth["cases"], sim.truth["events"] == sim.log.height
(200, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl

from o2c._simulate._backoffice import DEFAULTS as BACK_OFFICE
from o2c._simulate._backoffice import IDEAL_PATH_BACK_OFFICE, rekey
from o2c._simulate._backoffice import truth as back_office_truth
from o2c._simulate._process import (
    ACTIVITIES,
    BACK_OFFICE_ACTIVITIES,
    CHANGE_PRICE,
    CHANGE_QUANTITY,
    CHECK_CREDIT,
    COMPLAINT,
    CONFIRM_ORDER,
    CREATE_DELIVERY,
    CREATE_INVOICE,
    CREATE_ORDER,
    CREDIT_BLOCK,
    CREDIT_MEMO,
    DIRECTOR_APPROVAL,
    IDEAL_PATH,
    MANAGER_APPROVAL,
    PICK_GOODS,
    PRICING_APPROVAL,
    PRICING_REJECTED,
    RECEIVE_PAYMENT,
    REGIONS,
    RELEASE_BLOCK,
    REMINDER,
    SALES_ORGS,
    SEND_INVOICE,
    SHIP_GOODS,
    SIGN_OFF,
    UPDATE_ADDRESS,
)
from o2c._simulate._truth import measured_truth
from o2c.errors import ArgumentError, check_choice, check_number, check_share, check_whole
from o2c.log import validate
from o2c.model import IdealPath

#: Every activity's code: the process's, then the back office's (the codes of the first stay put).
_ALL_ACTIVITIES = (*ACTIVITIES, *BACK_OFFICE_ACTIVITIES)
_CODE = {name: code for code, name in enumerate(_ALL_ACTIVITIES)}

#: The sales organisation whose warehouse is automated (picking and shipping by BATCH_WMS).
_AUTOMATED_WAREHOUSE = "DE01"

# customer: (sales organisation, payment terms in days, orders mostly by EDI, order weight)
_CUSTOMERS = {
    "Müller Maschinenbau": ("DE01", 30, True, 9), "Bäckerei Weiß": ("DE01", 14, False, 3),
    "Schäfer Logistik": ("DE01", 45, True, 6), "Kühn Elektro": ("DE01", 30, False, 4),
    "Hoffmann Bau": ("DE01", 60, False, 3), "Krüger Metall": ("DE01", 30, True, 5),
    "Lefèvre SA": ("FR01", 45, False, 4), "Électro Dubois": ("FR01", 30, True, 5),
    "Garçon Frères": ("FR01", 60, False, 2), "Rousseau Chimie": ("FR01", 30, False, 3),
    "Acme Supply": ("US01", 30, True, 8), "Great Lakes Tools": ("US01", 45, False, 4),
    "Pioneer Foods": ("US01", 30, True, 5), "Summit Medical": ("US01", 60, False, 3),
    "São Paulo Têxtil": ("BR01", 45, False, 3), "Ribeirão Máquinas": ("BR01", 60, False, 2),
    "Lion City Trading": ("SG01", 30, True, 6), "Straits Components": ("SG01", 45, False, 4),
    "Marina Devices": ("SG01", 30, False, 3), "Sakura Precision": ("JP01", 60, True, 5),
    "Fuji Optics": ("JP01", 30, False, 3), "Kyoto Ceramics": ("JP01", 45, False, 2),
}  # fmt: skip

# the programs (named BATCH_..., see BATCH_PREFIX) and the people, by pool
_BATCH = (
    "BATCH_EDI", "BATCH_CREDIT", "BATCH_ATP", "BATCH_DELIVERY", "BATCH_WMS", "BATCH_BILLING",
    "BATCH_OUTPUT", "BATCH_DUNNING", "BATCH_BANK",
)  # fmt: skip
_PEOPLE = {
    "clerk:DE01": ("anna", "jonas", "lena"), "clerk:FR01": ("camille", "hugo", "lea"),
    "clerk:US01": ("emily", "jacob", "olivia"), "clerk:BR01": ("joao", "mariana", "pedro"),
    "clerk:SG01": ("wei", "priya", "daniel"), "clerk:JP01": ("haruto", "yui", "sora"),
    "credit": ("ben", "clara", "farid"), "manager": ("greta", "marc", "mike", "kenji"),
    "director": ("victoria", "richard"), "warehouse:EMEA": ("carl", "dora", "erik"),
    "warehouse:AMER": ("luis", "sam"), "warehouse:APAC": ("mei", "arjun"), "billing": ("hanna", "omar"),
    "service": ("ines", "tom", "yara"), "accounting": ("paul", "rita"),
    "sales ops": ("sofia", "noah"), "pricing": ("lukas", "ana"),  # only with the back office planted
}  # fmt: skip
RESOURCES = _BATCH + tuple(name for pool in _PEOPLE.values() for name in pool)
_RES = {name: code for code, name in enumerate(RESOURCES)}

# --- the working calendar (UTC): Monday to Friday, 08:00 to 17:00 ----------------------------

#: The hours (UTC) people work, Monday to Friday: from 08:00 to 17:00.
WORKING_HOURS = (8, 17)
_DAY = 86_400
_HOUR = 3_600
_WORK_START = WORKING_HOURS[0] * _HOUR
_WORK_DAY = (WORKING_HOURS[1] - WORKING_HOURS[0]) * _HOUR
_WORK_WEEK = 5 * _WORK_DAY
_NEVER = 2**62  # the time of a step that never happens
_MONDAY = 4 * _DAY  # 1970-01-05, the first Monday after the epoch


def _to_work(t: np.ndarray) -> np.ndarray:
    """Working seconds since 1970-01-05 up to each time (times off work snap to the next start)."""
    week, rest = np.divmod(t - _MONDAY, 7 * _DAY)
    day, second = np.divmod(rest, _DAY)
    within = np.clip(second - _WORK_START, 0, _WORK_DAY)
    return week * _WORK_WEEK + np.minimum(day, 5) * _WORK_DAY + np.where(day < 5, within, 0)


def _from_work(w: np.ndarray) -> np.ndarray:
    """The calendar time (seconds since the epoch) of a number of working seconds."""
    week, rest = np.divmod(w, _WORK_WEEK)
    day, second = np.divmod(rest, _WORK_DAY)
    return _MONDAY + week * 7 * _DAY + day * _DAY + _WORK_START + second


class _Generator:
    """Events of all orders, appended one process step at a time (numpy arrays, no loop per event)."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.n = n
        self.parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []

    def add(self, mask: np.ndarray, activity: str, times: np.ndarray, resources: np.ndarray) -> None:
        cases = np.flatnonzero(mask)
        self.parts.append((cases, _CODE[activity], times[cases], resources[cases]))

    def wait(self, median_hours: float, sigma: float, *, minimum: int = 60) -> np.ndarray:
        """Lognormal waits in seconds, one per order."""
        seconds = median_hours * _HOUR * np.exp(sigma * self.rng.standard_normal(self.n))
        return np.maximum(np.rint(seconds), minimum).astype(np.int64)

    def person(self, after: np.ndarray, median_hours: float, sigma: float) -> np.ndarray:
        """When a person does the next step: a lognormal wait in working hours on the calendar."""
        return _from_work(_to_work(after) + self.wait(median_hours, sigma))

    def program(self, after: np.ndarray, median_hours: float, sigma: float) -> np.ndarray:
        """When a program that runs around the clock does the next step."""
        return after + self.wait(median_hours, sigma, minimum=1)

    def batch_run(
        self, after: np.ndarray, hour: int, *, weekdays: bool = False, weekly: bool = False
    ) -> np.ndarray:
        """The first run of a scheduled job strictly after ``after``, plus its processing order."""
        day = after // _DAY
        if weekly:
            day = day - (day + 3) % 7  # the Monday of that week (day 0 was a Thursday)
        run = day * _DAY + hour * _HOUR
        run = np.where(run <= after, run + (7 if weekly else 1) * _DAY, run)
        if weekdays:
            weekday = (run // _DAY + 3) % 7
            run = run + np.where(weekday >= 5, (7 - weekday) * _DAY, 0)
        return run + self.rng.integers(0, 600, self.n)

    def pick(self, pools: np.ndarray) -> np.ndarray:
        """A random member of each order's pool; ``pools`` holds pool names, one per order."""
        first = np.zeros(self.n, dtype=np.int64)
        size = np.ones(self.n, dtype=np.int64)
        for name in np.unique(pools):
            chosen = pools == name
            first[chosen] = _RES[_PEOPLE[str(name)][0]]
            size[chosen] = len(_PEOPLE[str(name)])
        return first + np.floor(self.rng.random(self.n) * size).astype(np.int64)

    def everyone(self, resource: str) -> np.ndarray:
        return np.full(self.n, _RES[resource], dtype=np.int64)

    def chance(self, share: float | np.ndarray) -> np.ndarray:
        return self.rng.random(self.n) < share


@dataclass(frozen=True)
class _Orders:
    """Case attributes (arrays, one entry per order in creation order) and the generated events."""

    arrival: np.ndarray
    customer: np.ndarray
    org: np.ndarray
    region: np.ndarray
    edi: np.ndarray
    value: np.ndarray
    terms: np.ndarray
    invoiced: np.ndarray
    events: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]
    changed: tuple[np.ndarray, ...] | None = None
    planted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None


def _orders(rng: np.random.Generator, n: int, begin: int, end: int, p: dict[str, Any]) -> _Orders:
    g = _Generator(rng, n)
    changed: list[tuple[np.ndarray, ...]] = []

    def slowed(step: str, mask: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """The planted change: orders created since ``change_at`` wait ``change_factor`` times as
        long for ``step`` (in working time), then ``change_days`` working days more."""
        if p["change_step"] != step:
            return after
        hit = mask & (arrival >= p["_change_at"])
        slow = after
        if p["change_factor"] != 1.0:
            work = _to_work(before)
            slow = _from_work(work + np.rint((_to_work(after) - work) * p["change_factor"]).astype(np.int64))
        if p["change_days"]:
            days = np.busday_offset((slow // _DAY).astype("datetime64[D]"), p["change_days"], roll="forward")
            slow = days.astype(np.int64) * _DAY + slow % _DAY
        slow = np.where(hit, slow, after)
        changed.append((mask.copy(), hit, before, after - before, slow - before))
        return slow

    names = list(_CUSTOMERS)
    weights = np.array([w for *_, w in _CUSTOMERS.values()], dtype=float)
    customer = rng.choice(len(names), size=n, p=weights / weights.sum())
    org = np.array([_CUSTOMERS[c][0] for c in names])[customer]
    region = np.array([SALES_ORGS[_CUSTOMERS[c][0]] for c in names])[customer]
    terms = np.array([_CUSTOMERS[c][1] for c in names], dtype=np.int64)[customer]
    edi = g.chance(np.where(np.array([_CUSTOMERS[c][2] for c in names])[customer], 0.9, 0.05))
    value = np.maximum(np.round(4_000.0 * np.exp(1.1 * rng.standard_normal(n)), 2), 50.0)
    # orders arrive over the period: by EDI at any hour, by hand during working hours
    by_hand = _from_work(rng.integers(_to_work(np.array(begin)), _to_work(np.array(end)), n))
    arrival = np.where(edi, rng.integers(begin, end, n), by_hand)
    order = np.argsort(arrival, kind="stable")
    arrival, customer, org, region, terms, edi, value = (
        a[order] for a in (arrival, customer, org, region, terms, edi, value)
    )

    owner = g.pick(np.char.add("clerk:", org.astype(str)))
    t = arrival.copy()
    everyone = np.ones(n, dtype=bool)
    g.add(everyone, CREATE_ORDER, t, np.where(edi, _RES["BATCH_EDI"], owner))

    # re-keyed data: repeated address updates (the self-loop) and quantity changes
    draw = rng.random(n)
    repeated = draw < p["self_loop"]
    updates = np.where(repeated, 2 + rng.binomial(2, 0.3, n), np.where(draw < p["self_loop"] + 0.04, 1, 0))
    for i in range(1, 5):
        mask = updates >= i
        t = np.where(mask, g.person(t, 1.0, 0.8), t)
        g.add(mask, UPDATE_ADDRESS, t, owner)
    quantity = g.chance(0.05)
    t = np.where(quantity, g.person(t, 2.0, 0.8), t)
    g.add(quantity, CHANGE_QUANTITY, t, owner)

    # credit: checked by a program unless skipped; some orders blocked, a few stuck for good
    stuck = g.chance(p["stuck"])
    checked = ~(g.chance(p["skip_credit_check"]) & ~stuck)
    t = np.where(checked, g.program(t, 0.05, 0.6), t)
    g.add(checked, CHECK_CREDIT, t, g.everyone("BATCH_CREDIT"))
    blocked = checked & (g.chance(0.04 + 0.08 * (value > 20_000)) | stuck)
    t = np.where(blocked, g.program(t, 0.02, 0.5), t)
    g.add(blocked, CREDIT_BLOCK, t, g.everyone("BATCH_CREDIT"))
    released = blocked & ~stuck
    t = np.where(released, g.person(t, 6.0, 1.0), t)
    g.add(released, RELEASE_BLOCK, t, g.pick(np.full(n, "credit")))
    alive = ~stuck

    # approval chains: by value, and on every order of one sales organisation
    low, high = p["approval_limits"]
    manager_hours, director_hours = p["approval_wait_hours"]
    planted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # mask, when, effect (s)
    manager = alive & ((value > low) | (org == p["approval_org"]))
    before = t
    t = np.where(manager, slowed(MANAGER_APPROVAL, manager, t, g.person(t, manager_hours, 1.0)), t)
    planted[MANAGER_APPROVAL] = (manager, t, t - before)  # the wait the approval adds
    g.add(manager, MANAGER_APPROVAL, t, g.pick(np.full(n, "manager")))
    director = alive & (value > high)
    before = t
    t = np.where(director, slowed(DIRECTOR_APPROVAL, director, t, g.person(t, director_hours, 1.0)), t)
    planted[DIRECTOR_APPROVAL] = (director, t, t - before)
    g.add(director, DIRECTOR_APPROVAL, t, g.pick(np.full(n, "director")))

    # confirmation: automatic for untouched EDI orders; then the ping-pong around price changes
    automatic = edi & (updates == 0) & ~quantity & ~blocked & ~manager & ~director
    by_program, by_person = g.wait(0.1, 0.6, minimum=1), g.wait(3.0, 0.9)
    ping_pong = alive & g.chance(p["ping_pong"])  # drawn here, so the back office knows the changes to come
    if p.get("back_office"):
        untouched = alive & ~edi & (updates == 0) & ~quantity & ~ping_pong
        t = _back_office(g, t, alive, untouched, p["back_office"], seed=p["_seed"])
    t = np.where(alive, np.where(automatic, t + by_program, _from_work(_to_work(t) + by_person)), t)
    g.add(alive, CONFIRM_ORDER, t, np.where(automatic, _RES["BATCH_ATP"], owner))
    rounds = np.where(ping_pong, 1 + g.chance(0.25), 0)
    for i in (1, 2):
        mask = rounds >= i
        t = np.where(mask, g.person(t, 6.0, 0.9), t)
        g.add(mask, CHANGE_PRICE, t, owner)
        t = np.where(mask, g.person(t, 2.0, 0.8), t)
        g.add(mask, CONFIRM_ORDER, t, owner)

    # delivery: the nightly delivery run or a person; automated warehouse in one organisation
    warehouse = g.pick(np.char.add("warehouse:", region.astype(str)))
    nightly = g.chance(0.85)
    t = np.where(alive, np.where(nightly, g.batch_run(t + g.wait(10.0, 0.8), 2), g.person(t, 5.0, 0.9)), t)
    g.add(alive, CREATE_DELIVERY, t, np.where(nightly, _RES["BATCH_DELIVERY"], warehouse))
    early = alive & g.chance(p["invoice_before_shipment"])
    t = np.where(early, g.person(t, 3.0, 0.8), t)
    invoiced = np.where(early, t, _NEVER)
    g.add(early, CREATE_INVOICE, t, g.pick(np.full(n, "billing")))
    robots = org == _AUTOMATED_WAREHOUSE
    picked = np.where(robots, g.program(t, 3.0, 0.7), g.person(t, 6.0, 0.8))
    t = np.where(alive, slowed(PICK_GOODS, alive, t, picked), t)
    g.add(alive, PICK_GOODS, t, np.where(robots, _RES["BATCH_WMS"], warehouse))
    # the planted bottleneck: goods of one region wait for their export documents before shipping
    slow = region == p["bottleneck_region"]
    slow_at, usual_at, robot_at = (
        g.person(t, p["bottleneck_days"] * 9.0, 0.6),
        g.person(t, 3.0, 0.7),
        g.program(t, 2.0, 0.7),
    )
    shipped = np.where(slow, slow_at, np.where(robots, robot_at, usual_at))
    t = np.where(alive, slowed(SHIP_GOODS, alive, t, shipped), t)
    planted["bottleneck"] = (alive & slow, t, slow_at - usual_at)  # the region's wait less the usual one
    g.add(alive, SHIP_GOODS, t, np.where(robots, _RES["BATCH_WMS"], warehouse))

    # billing: the nightly billing run, the invoice output run
    normal = alive & ~early
    t = np.where(normal, g.batch_run(t, 22), t)
    invoiced = np.where(normal, t, invoiced)
    g.add(normal, CREATE_INVOICE, t, g.everyone("BATCH_BILLING"))
    t = np.where(alive, g.batch_run(t, 23), t)
    g.add(alive, SEND_INVOICE, t, g.everyone("BATCH_OUTPUT"))

    # after the invoice: complaints (and credit memos), then the customer pays; dunning meanwhile
    due = (invoiced // _DAY + terms) * _DAY  # midnight of the due date
    complained = alive & g.chance(p["complaint"])
    complaint_at = g.person(t, 24.0, 0.8)
    g.add(complained, COMPLAINT, complaint_at, g.pick(np.full(n, "service")))
    memo = complained & g.chance(0.5)
    memo_at = g.person(complaint_at, 20.0, 0.8)
    g.add(memo, CREDIT_MEMO, memo_at, g.pick(np.full(n, "accounting")))
    settled = np.where(memo, memo_at, np.where(complained, complaint_at, t))
    usual = np.rint(rng.normal(-5.0, 2.0, n)) + np.where(
        g.chance(0.06), np.rint(g.wait(240.0, 0.6) / _DAY), 0
    )
    disputed = np.rint(g.wait(p["complaint_delay_days"] * 24.0, 0.5) / _DAY)
    hour = rng.integers(0, _DAY, n)
    money = due + np.where(complained, disputed, usual).astype(np.int64) * _DAY + hour
    money = np.maximum(money, settled + np.where(complained, 2, 1) * _DAY)
    paid = g.batch_run(money, 6, weekdays=True)
    # without the complaint: the usual day, after the invoice alone; the same bank run (jitter kept)
    undisputed = np.maximum(due + usual.astype(np.int64) * _DAY + hour, t + _DAY)
    jitter = paid - _next_run(money, 6)
    planted["complaint"] = (complained, paid, paid - (_next_run(undisputed, 6) + jitter))
    reminder = due + 8 * _DAY
    for _level in range(3):
        reminder = g.batch_run(reminder, 7, weekly=True)
        mask = alive & (reminder < paid)
        g.add(mask, REMINDER, reminder, g.everyone("BATCH_DUNNING"))
        reminder = reminder + 13 * _DAY
    g.add(alive, RECEIVE_PAYMENT, paid, g.everyone("BATCH_BANK"))
    return _Orders(
        arrival,
        customer,
        org,
        region,
        edi,
        value,
        terms,
        invoiced,
        g.parts,
        changed[0] if changed else None,
        planted,
    )


def _back_office(
    g: _Generator, t: np.ndarray, alive: np.ndarray, untouched: np.ndarray, p: dict[str, Any], *, seed: int
) -> np.ndarray:
    """The back office's approvals before Confirm Order, from their own random stream (so the
    rest of the log draws what it always drew): the rubber-stamp Sales Ops Sign-off of every
    ``untouched`` order (manual, no change activity ever) ``sign_off_days`` working days later, a
    Pricing Approval of a share ``pricing_approval`` of the live orders ``pricing_days`` working
    days after that, and of those not signed off a share ``pricing_reject`` rejected a working
    hour later. Returns when each order's last one happened (``t`` where none did)."""
    rng = np.random.default_rng([seed, 28])
    n = t.size
    pricing = alive & (rng.random(n) < p["pricing_approval"])
    reject = pricing & ~untouched & (rng.random(n) < p["pricing_reject"])

    def pick(pool: str) -> np.ndarray:
        codes = np.array([_RES[name] for name in _PEOPLE[pool]])
        return codes[rng.integers(0, codes.size, n)]

    def later(after: np.ndarray, seconds: float) -> np.ndarray:
        return _from_work(_to_work(after) + round(seconds))

    signer, pricer = pick("sales ops"), pick("pricing")
    t = np.where(untouched, later(t, p["sign_off_days"] * _WORK_DAY), t)
    g.add(untouched, SIGN_OFF, t, signer)
    t = np.where(pricing, later(t, p["pricing_days"] * _WORK_DAY), t)
    g.add(pricing, PRICING_APPROVAL, t, pricer)
    t = np.where(reject, later(t, _HOUR), t)
    g.add(reject, PRICING_REJECTED, t, pricer)
    return t


def _next_run(after: np.ndarray, hour: int) -> np.ndarray:
    """The first run of a working-day job at ``hour`` strictly after ``after`` (``batch_run``
    with ``weekdays``, without its jitter)."""
    day = after // _DAY
    run = day * _DAY + hour * _HOUR
    run = np.where(run <= after, run + _DAY, run)
    weekday = (run // _DAY + 3) % 7
    return run + np.where(weekday >= 5, (7 - weekday) * _DAY, 0)


def _planted_truth(orders: _Orders, end: int) -> dict[str, Any]:
    """The planted causes and their effects, from the generator's own arrays (not the log): per
    cause, the orders it hit whose effect is in the log (the step, or the payment, before
    ``end``) and the median and mean of the time it added, in seconds."""
    assert orders.planted is not None

    def summary(name: str) -> dict[str, Any]:
        mask, when, effect = orders.planted[name]  # type: ignore[index]
        hit = effect[mask & (when < end)].astype(float)
        return {
            "orders": int(hit.size),
            "median_seconds": float(np.median(hit)) if hit.size else None,
            "mean_seconds": float(np.mean(hit)) if hit.size else None,
        }

    return {
        "approvals": {step: summary(step) for step in (MANAGER_APPROVAL, DIRECTOR_APPROVAL)},
        "bottleneck": summary("bottleneck"),
        "complaint": summary("complaint"),
    }


@dataclass(frozen=True, eq=False, repr=False)
class Simulation:
    """A simulated order-to-cash log, the truth measured from its events, and its ideal path.

    ``log`` is a canonical event log (see ``o2c.log``); ``truth`` a JSON-ready dict whose keys
    are described in ``sample_logs/README.md``; ``ideal`` the ``IdealPath`` the conformance
    figures of ``truth`` refer to.

    >>> sim = simulate(50, seed=3)
    >>> sim
    Simulation(50 orders, 476 events)
    >>> sim.ideal.name, sorted(sim.truth)[:3]
    ('standard order', ['activities', 'approvals', 'batch'])
    """

    log: pl.DataFrame
    truth: dict[str, Any]
    ideal: IdealPath

    def __repr__(self) -> str:
        return f"Simulation({self.truth['cases']:,} orders, {self.truth['events']:,} events)"


_SHARES = ("ping_pong", "self_loop", "skip_credit_check", "invoice_before_shipment", "complaint", "stuck")


def simulate(
    cases: int = 5000,
    *,
    seed: int = 0,
    start: str | date = "2025-01-06",
    weeks: int = 39,
    bottleneck_region: str | None = "APAC",
    bottleneck_days: float = 8.0,
    ping_pong: float = 0.08,
    self_loop: float = 0.04,
    skip_credit_check: float = 0.05,
    invoice_before_shipment: float = 0.03,
    complaint: float = 0.08,
    complaint_delay_days: float = 21.0,
    approval_limits: tuple[float, float] = (10_000.0, 50_000.0),
    approval_org: str | None = "FR01",
    approval_wait_hours: tuple[float, float] = (8.0, 16.0),
    stuck: float = 0.01,
    change_step: str | None = None,
    change_at: str | date | None = None,
    change_factor: float = 1.0,
    change_days: int = 0,
    back_office: bool = False,
) -> Simulation:
    """Simulate ``cases`` orders from order entry to cash, with planted patterns and their truth.

    Orders arrive over ``weeks`` weeks from ``start`` (midnight UTC); the log ends there, so the
    last orders are still open. People work Monday to Friday, 08:00 to 17:00 UTC; programs
    (resources named ``BATCH_...``) run around the clock or on schedules. Waits are lognormal.

    Parameters
    ----------
    cases : int
        Number of orders.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same log, byte for byte.
    start : str or date
        First day of the period (ISO date).
    weeks : int
        Length of the period; events after it are cut off (open orders).
    bottleneck_region, bottleneck_days :
        The planted bottleneck: orders of this region wait a median of ``bottleneck_days``
        working days between Pick Goods and Ship Goods (others: 3 working hours). None: none.
    ping_pong : float
        Share of orders with Confirm Order -> Change Price -> Confirm Order (a quarter twice).
    self_loop : float
        Share of orders whose shipping address is updated 2 to 4 times in a row.
    skip_credit_check : float
        Share of orders that skip Check Credit.
    invoice_before_shipment : float
        Share of orders invoiced by hand right after Create Delivery, before shipping.
    complaint, complaint_delay_days :
        Share of orders with a Customer Complaint after the invoice (half get a credit memo);
        such orders pay a median ``complaint_delay_days`` days after the due date.
    approval_limits : (float, float)
        Net values above which a Manager Approval, and also a Director Approval, are needed.
    approval_org : str or None
        Sales organisation whose every order needs a Manager Approval (a chain nobody questions).
    approval_wait_hours : (float, float)
        The median wait (lognormal, working hours) before a Manager Approval and before a
        Director Approval: the wait each approval adds, which ``truth["planted_effects"]``
        measures from the generator's own times.
    stuck : float
        Share of orders blocked by the credit check and never released (stuck, unnoticed).
    change_step, change_at, change_factor, change_days :
        A planted change (for ``o2c.compare``): orders created on or after the date
        ``change_at`` (midnight UTC) wait ``change_factor`` times as long for the step
        ``change_step`` (one of ``CHANGE_STEPS``; scaled in working time, which moves the time of
        day of the step), then ``change_days`` working days (Monday to Friday) more at the same
        time of day. None: no change. ``truth["change"]`` says what it did.
    back_office : bool
        Plant the back office (``o2c._simulate._backoffice``): a rubber-stamp Sales Ops
        Sign-off, a Pricing Approval that rejects a known share, approval chains of 0 to 4 steps
        with known waits, and fields re-keyed at known steps by known sizes (``quantity``,
        ``requested_date``, ``ship_to``, ``customer_po`` and changing ``net_value``).
        ``truth["back_office"]`` measures them again, and the ideal path has the two planted
        approvals as optional steps after Create Sales Order (``IDEAL_PATH_BACK_OFFICE``).
        Default False: the log is unchanged.

    Returns
    -------
    Simulation
        ``log``: columns ``case_id``, ``activity``, ``timestamp``, ``resource``, ``value`` (the
        net value), ``source_row`` (position in the log, first = 1), and the case attributes
        ``region``, ``customer``, ``sales_org``, ``channel`` (``EDI``/``manual``),
        ``net_value``, ``currency``, ``payment_terms_days``, ``due_date`` (invoice date plus
        payment terms; null until invoiced). ``truth``: figures measured from the events.
        ``ideal``: ``IDEAL_PATH`` (``IDEAL_PATH_BACK_OFFICE`` with ``back_office``).

    Examples
    --------
    >>> sim = simulate(300, seed=7)
    >>> sim
    Simulation(300 orders, 2,875 events)
    >>> sim.log.columns[:6]
    ['case_id', 'activity', 'timestamp', 'resource', 'value', 'source_row']
    >>> sim.truth["bottleneck"]["source"], sim.truth["bottleneck"]["target"]
    ('Pick Goods', 'Ship Goods')
    """
    parameters = {
        "cases": cases, "seed": seed, "start": str(start), "weeks": weeks,
        "bottleneck_region": bottleneck_region, "bottleneck_days": bottleneck_days, "ping_pong": ping_pong,
        "self_loop": self_loop, "skip_credit_check": skip_credit_check,
        "invoice_before_shipment": invoice_before_shipment, "complaint": complaint,
        "complaint_delay_days": complaint_delay_days, "approval_limits": list(approval_limits),
        "approval_org": approval_org, "approval_wait_hours": list(approval_wait_hours) if isinstance(approval_wait_hours, tuple | list) else approval_wait_hours, "stuck": stuck,
    }  # fmt: skip
    change = {
        "change_step": change_step, "change_at": None if change_at is None else str(change_at),
        "change_factor": change_factor, "change_days": change_days,
    }  # fmt: skip
    _check(parameters | change)
    if change_step is not None:  # a log without a planted change keeps the parameters it always had
        parameters |= change
    if back_office:
        if not isinstance(back_office, bool):
            raise ArgumentError.must_be(
                "True or False", back_office, argument="back_office", function="simulate"
            )
        parameters["back_office"] = dict(BACK_OFFICE)
    begin_day = date.fromisoformat(str(start))
    begin = int(
        (datetime(begin_day.year, begin_day.month, begin_day.day) - datetime(1970, 1, 1)).total_seconds()
    )
    end = begin + weeks * 7 * _DAY
    rng = np.random.default_rng(seed)
    at = None if change_at is None else date.fromisoformat(str(change_at))
    moment = (
        0 if at is None else int((datetime(at.year, at.month, at.day) - datetime(1970, 1, 1)).total_seconds())
    )
    orders = _orders(rng, cases, begin, end, {**parameters, **change, "_change_at": moment, "_seed": seed})
    log = _log(orders, cases, end)
    ideal = IDEAL_PATH
    if back_office:
        log = rekey(log, seed=seed, p=BACK_OFFICE)
        ideal = IDEAL_PATH_BACK_OFFICE
    truth = measured_truth(log, ideal, parameters=parameters, begin=begin, end=end)
    truth["planted_effects"] = _planted_truth(orders, end)
    if back_office:
        truth["back_office"] = back_office_truth(log)
    if change_step is not None:
        truth["change"] = _change_truth(orders, parameters, end)
    return Simulation(log=log, truth=truth, ideal=ideal)


#: The steps ``simulate`` can slow down from a date on (its ``change_step``).
CHANGE_STEPS = (MANAGER_APPROVAL, DIRECTOR_APPROVAL, PICK_GOODS, SHIP_GOODS)


def _change_truth(orders: _Orders, p: dict[str, Any], end: int) -> dict[str, Any]:
    """What the planted change did: the orders it slowed (the step done before the log's end), the
    median wait for the step of the orders created before and since ``change_at``, and the
    planted effect: the median of the slowed orders' waits minus the median of the same orders'
    waits without the change (seconds)."""
    assert orders.changed is not None
    mask, hit, previous, usual, slow = orders.changed
    done = mask & (previous + np.where(hit, slow, usual) < end)  # the step is in the log
    since, before = done & hit, done & ~hit

    def median(values: np.ndarray) -> float | None:
        return float(np.median(values)) if len(values) else None

    planted = median(slow[since]), median(usual[since])
    return {
        "step": p["change_step"],
        "at": p["change_at"],
        "factor": p["change_factor"],
        "days": p["change_days"],
        "orders_changed": int(since.sum()),
        "orders_before": int(before.sum()),
        "wait_median_before_seconds": median(usual[before]),
        "wait_median_since_seconds": median(slow[since]),
        "planted_median_seconds": None if None in planted else planted[0] - planted[1],  # type: ignore[operator]
    }


def _check(p: dict[str, Any]) -> None:
    check_whole(p["cases"], argument="cases", function="simulate")
    check_whole(p["weeks"], argument="weeks", function="simulate")
    _check_date(p["start"], "start")
    for name in _SHARES:
        check_share(p[name], argument=name, function="simulate")
    for name in ("bottleneck_days", "complaint_delay_days"):
        check_number(p[name], argument=name, function="simulate", above=True)
    if not (isinstance(p["approval_wait_hours"], list) and len(p["approval_wait_hours"]) == 2):
        raise ArgumentError.must_be(
            "two numbers of hours (manager, director)",
            p["approval_wait_hours"],
            argument="approval_wait_hours",
            function="simulate",
        )
    for hours in p["approval_wait_hours"]:
        check_number(hours, argument="approval_wait_hours", function="simulate", above=True)
    low, high = p["approval_limits"]
    if not 0 <= low <= high:
        raise ArgumentError(
            f"The 'approval_limits' argument of simulate must be two values, low <= high; got {(low, high)!r}.",
            function="simulate",
            argument="approval_limits",
            value=p["approval_limits"],
            allowed="two values, 0 <= low <= high",
        )
    if p["bottleneck_region"] is not None:
        check_choice(p["bottleneck_region"], REGIONS, argument="bottleneck_region", function="simulate")
    if p["approval_org"] is not None:
        check_choice(p["approval_org"], tuple(SALES_ORGS), argument="approval_org", function="simulate")
    if (p["change_step"] is None) != (p["change_at"] is None):
        raise ArgumentError(
            "The 'change_step' and 'change_at' arguments of simulate go together (the step that slows "
            f"down and the date it does from); got change_step={p['change_step']!r}, change_at={p['change_at']!r}.",
            function="simulate",
            argument="change_at" if p["change_at"] is None else "change_step",
            allowed="given together with the other",
        )
    if p["change_step"] is not None:
        check_choice(p["change_step"], CHANGE_STEPS, argument="change_step", function="simulate")
        _check_date(p["change_at"], "change_at")
        check_number(p["change_factor"], argument="change_factor", function="simulate", above=True)
        check_whole(p["change_days"], argument="change_days", function="simulate", least=0)


def _check_date(value: str, argument: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ArgumentError.must_be(
            "an ISO date like '2025-01-06'",
            value,
            argument=argument,
            function="simulate",
            allowed="an ISO date",
        ) from None


def _log(orders: _Orders, n: int, end: int) -> pl.DataFrame:
    """The canonical event log: events before ``end``, sorted by case, time and emission order."""
    case = np.concatenate([c for c, _, _, _ in orders.events])
    activity = np.concatenate([np.full(len(c), a, dtype=np.int64) for c, a, _, _ in orders.events])
    time = np.concatenate([t for _, _, t, _ in orders.events])
    resource = np.concatenate([r for _, _, _, r in orders.events])
    kept = time < end
    case, activity, time, resource = (a[kept] for a in (case, activity, time, resource))
    earliest = int(time.min()) if len(time) else 0
    span = int(time.max()) - earliest + 1 if len(time) else 1
    # one integer key (case, then time); a stable sort keeps the emission order of ties
    order = np.argsort(case * span + (time - earliest), kind="stable")
    case, activity, time, resource = (a[order] for a in (case, activity, time, resource))
    digits = max(6, len(str(n)))
    names = list(_CUSTOMERS)
    invoiced = orders.invoiced < end
    due_day = np.where(invoiced, orders.invoiced // _DAY + orders.terms, 0)
    attributes = pl.DataFrame(
        {
            "region": orders.region,
            "customer": np.array(names)[orders.customer] if n else [],
            "sales_org": orders.org,
            "channel": np.where(orders.edi, "EDI", "manual"),
            "net_value": orders.value,
            "currency": np.full(n, "EUR"),
            "payment_terms_days": orders.terms,
            "due_date": pl.Series(due_day, dtype=pl.Int32).cast(pl.Date),
        },
        schema_overrides={
            "region": pl.String,
            "customer": pl.String,
            "sales_org": pl.String,
            "channel": pl.String,
        },
    ).with_columns(due_date=pl.when(pl.Series(invoiced)).then(pl.col("due_date")))
    frame = attributes[case].with_columns(
        case_id=pl.Series(10**digits + 1 + case).cast(pl.String),
        activity=pl.Series(_ALL_ACTIVITIES)[activity],
        timestamp=pl.from_epoch(pl.Series(time), time_unit="s").dt.replace_time_zone("UTC"),
        resource=pl.Series(RESOURCES)[resource],
        value=pl.col("net_value"),
        source_row=pl.int_range(1, len(case) + 1, dtype=pl.Int64),
    )
    return validate(frame)
