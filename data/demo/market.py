"""Demo resource plans, bids/offers and floor-price bids around the demo date, with their change log.

Deterministic from the demo seed (its own random stream, so the rest of the demo is unchanged): resource plans
for the past week and the next day, day-ahead bids (selected or not, a few not acknowledged yet today), some
real-time and distribution bids, a few amendments after the close, and floor-price bids by the host LDC of the
demo (one overridden by hand).

Resources are offered whole, within what their contributor DERs can give (a DER reported unavailable gives
nothing: data/domain/bids.py ``capacity_shortfall``). A few resources with unavailable DERs were offered for
tomorrow at more than the rest can give: those bids are blocked, with the reason the platform gives, so
re-checking them (after any outage change) keeps them blocked.

To keep the conflict checks of the demo readable, day-ahead bids for today and tomorrow are those of the demo
aggregator only (others offer real-time and distribution there): every DAM bid without approved DER limits is a
"missing approval" conflict. The demo writes bid-change rows only: no notification and no audit row (those
come from what people do on the platform).
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from data.demo.catalogue import DEMO_AGGREGATOR
from data.domain.bid_availability import DerAvailability, capacity_shortfall
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OrgKind, Role, ServiceTag
from data.domain.market_time import MARKET_TZ, dam_close_utc, hour_ending_start_utc
from data.models import Bid, BidChange, ResourcePlan

__all__ = ["load_market_demo"]

Row = dict[str, Any]
PAST_DAYS = 6
OTHER_RESOURCES = 20  # besides every resource of the demo aggregator
FLOOR_DERS = 6
BLOCKED_EXAMPLES = 4  # resources offered tomorrow above what their available contributor DERs can give
HOST_LDC = "LSH"  # the demo's host LDC (the `ldc` user)
_STREAM = 60_917  # mixed into the seed: the market demo has its own random stream


def _est(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MARKET_TZ).astimezone(UTC)


def _snapshot(bid: Bid, version: int) -> Row:
    """The bid as it ends up (the demo stores its history, not every intermediate version)."""
    return {"status": bid.status, "quantity_kw": bid.quantity_kw, "price_per_mwh": bid.price_per_mwh,
            "first_hour_ending": bid.first_hour_ending, "last_hour_ending": bid.last_hour_ending,
            "trade_date": bid.trade_date.isoformat(), "market": bid.market, "base_quantity_kw": bid.base_quantity_kw,
            "floor_override": bool(bid.floor_override), "status_reason": bid.status_reason, "version": version}


class _Builder:
    def __init__(self, session: Session, demo: Any, seed: int, as_of: date) -> None:
        self.session, self.demo, self.as_of = session, demo, as_of
        self.rng = random.Random(seed * 31 + _STREAM)
        orgs, users = demo.orgs, demo.users
        self.org_kind = {r["id"]: r["kind"] for r in orgs.rows}
        self.host = {r["id"]: r["host_ldc_id"] or r["id"] for r in orgs.rows if r["kind"] == OrgKind.LDC}
        self.ieso_org = next(r["id"] for r in orgs.rows if r["kind"] == OrgKind.ISO)
        by_role: dict[tuple[int, str], int] = {}
        for u in users.rows:
            by_role.setdefault((u["organisation_id"], u["role"]), u["id"])
        self.user_of = by_role
        self.ieso_user = by_role.get((self.ieso_org, Role.TSO_OPERATOR.value))
        self.ders_of: dict[int, list[Row]] = defaultdict(list)
        for d in demo.portfolio.ders:
            if d["resource_id"] is not None and d["status"] in (DerStatus.ACTIVE, DerStatus.INACTIVE):
                self.ders_of[d["resource_id"]].append(d)
        self.bids: list[tuple[Bid, list[tuple[BidChangeKind, datetime, int | None, int | None, bool, str | None,
                                              Row | None]]]] = []
        self.blocked_examples = 0

    # -- helpers ------------------------------------------------------------------------------------------

    def _user(self, org_id: int, role: Role) -> int | None:
        return self.user_of.get((org_id, role.value))

    def _hours(self, first: int | None = None) -> tuple[int, int]:
        start = first if first is not None else self.rng.randint(7, 16)
        return start, min(24, start + self.rng.randint(2, 6))

    def _bid(self, **values: Any) -> Bid:
        return Bid(is_floor_price=False, floor_override=False, **values)

    # -- resources: plans and bids ------------------------------------------------------------------------

    def resources(self) -> list[Row]:
        demo_org = self.demo.orgs.id_by_code[DEMO_AGGREGATOR]
        mine = [r for r in self.demo.portfolio.resources if r["aggregator_org_id"] == demo_org]
        others = [r for r in self.demo.portfolio.resources if r["aggregator_org_id"] != demo_org]
        chosen = self.rng.sample(others, min(OTHER_RESOURCES, len(others)))
        return [r for r in mine + sorted(chosen, key=lambda r: r["id"]) if self.ders_of.get(r["id"])]

    def plans_and_bids(self) -> None:
        demo_org = self.demo.orgs.id_by_code[DEMO_AGGREGATOR]
        for resource in self.resources():
            ders = self.ders_of[resource["id"]]
            roots = {self.host.get(d["ldc_id"], d["ldc_id"]) for d in ders}
            asset = {"ids": {"resource_id": resource["id"]}, "code": resource["resource_code"],
                     "ders": [DerAvailability(d["id"], d["platform_id"], d["status"], d["capacity_kw"])
                              for d in ders],
                     "wholesale": True, "ldc": next(iter(roots)),
                     "distribution": len(roots) == 1 and any(d["service_tag"] != ServiceTag.WHOLESALE for d in ders)}
            fleet = sum(d["capacity_kw"] for d in ders)
            available = sum(d["capacity_kw"] for d in ders if d["status"] == DerStatus.ACTIVE)
            org = resource["aggregator_org_id"]
            trader = self._user(org, Role.AGGREGATOR)
            for offset in range(-PAST_DAYS, 2):
                day = self.as_of + timedelta(days=offset)
                if self.rng.random() < 0.1:
                    continue
                first, last = self._hours()
                intends = self.rng.random() < 0.85
                plan = ResourcePlan(resource_id=resource["id"], trade_date=day, intends_to_offer=intends,
                                    first_hour_ending=first if intends else None,
                                    last_hour_ending=last if intends else None,
                                    note=None if intends else self.rng.choice(("maintenance", "fleet not available",
                                                                               "prices too low")),
                                    submitted_by_user_id=trader, created_at=_est(day - timedelta(days=1), 8))
                self.session.add(plan)
                if not intends or available <= 0:
                    continue
                if offset == 1 and available < fleet and self.blocked_examples < BLOCKED_EXAMPLES:
                    # offered for the whole fleet before a contributor DER was reported unavailable: blocked
                    self.blocked_examples += 1
                    market = Market.DAM if org == demo_org else Market.REAL_TIME
                    self.offer(asset, day, market, first, last, org, trader, over=True)
                self.offers(asset, day, first, last, org, trader, demo_org, offset)

    def offers(self, asset: Row, day: date, first: int, last: int, org: int, trader: int | None, demo_org: int,
               offset: int) -> None:
        """The day's bids of one asset: day-ahead, sometimes real-time, sometimes distribution."""
        upcoming = offset >= 0
        wholesale_today = not upcoming or org == demo_org
        if asset["wholesale"] and wholesale_today and self.rng.random() < 0.8:
            self.offer(asset, day, Market.DAM, first, last, org, trader)
        if asset["wholesale"] and self.rng.random() < (0.35 if upcoming else 0.15):
            a, b = self._hours(min(first + 1, 24))
            self.offer(asset, day, Market.REAL_TIME, a, b, org, trader)
        if asset["distribution"] and self.rng.random() < 0.3:
            a, b = self._hours(self.rng.randint(16, 19))
            ldc = asset["ldc"]
            self.offer(asset, day, Market.DISTRIBUTION, a, b, org, trader,
                       buyer=(ldc, self._user(ldc, Role.DSO_OPERATOR)))

    def offer(self, asset: Row, day: date, market: Market, first: int, last: int, org: int, trader: int | None,
              buyer: tuple[int, int | None] | None = None, over: bool = False) -> None:
        """One bid of the asset. ``over``: offered above what its available DERs can give (then blocked)."""
        rng = self.rng
        ders: list[DerAvailability] = asset["ders"]
        capacity = sum(d.capacity_kw for d in ders if d.status == DerStatus.ACTIVE)
        quantity = round(capacity * rng.uniform(0.3, 0.8), 1)
        if over:
            fleet = sum(d.capacity_kw for d in ders)
            quantity = round(capacity + (fleet - capacity) * rng.uniform(0.5, 0.9), 1)
        price = round(rng.uniform(35, 240) if market != Market.DISTRIBUTION else rng.uniform(60, 400), 2)
        close = dam_close_utc(day) if market == Market.DAM else hour_ending_start_utc(day, first)
        submitted = min(close, _est(day - timedelta(days=1), 8)) - timedelta(minutes=rng.randint(5, 600))
        bid = self._bid(**asset["ids"], submitter_org_id=org, market=market.value, trade_date=day,
                        first_hour_ending=first, last_hour_ending=last, quantity_kw=quantity, price_per_mwh=price,
                        status=BidStatus.SUBMITTED.value, created_at=submitted)
        changes: list = [(BidChangeKind.SUBMITTED, submitted, trader, org, False, None, None)]
        buyer_org, buyer_user = buyer or (self.ieso_org, self.ieso_user)
        if not over and rng.random() < 0.15:  # an amendment; for a closed trade date, some came after the close
            late = day <= self.as_of and rng.random() < 0.5
            at = close + timedelta(minutes=rng.randint(5, 50)) if late else \
                min(submitted + timedelta(minutes=rng.randint(10, 180)), close - timedelta(minutes=1))
            old = bid.quantity_kw
            bid.quantity_kw = round(min(capacity, old * rng.uniform(0.8, 1.1)), 1)
            detail = f"quantity kw {old} → {bid.quantity_kw}"
            changes.append((BidChangeKind.AMENDED, at, trader, org, late, detail, {"quantity_kw": old}))
        past = day < self.as_of
        decided = past or (market == Market.DAM and day == self.as_of)
        short = capacity_shortfall(asset["code"], day, first, last, bid.quantity_kw, submitted, ders, {}) \
            if over else None
        if short is not None:
            bid.status, bid.status_reason = BidStatus.BLOCKED.value, short.text[:1000]
            changes.append((BidChangeKind.BLOCKED, submitted + timedelta(minutes=rng.randint(5, 60)), None, None,
                            False, bid.status_reason, None))
        elif decided:
            at = (_est(day - timedelta(days=1), 12, 30) if market == Market.DAM
                  else hour_ending_start_utc(day, first) - timedelta(minutes=rng.randint(20, 90)))
            at = max(at, changes[-1][1] + timedelta(minutes=1))
            if rng.random() < 0.6:
                bid.status, bid.selected_at = BidStatus.SELECTED.value, at
                changes.append((BidChangeKind.SELECTED, at, buyer_user, buyer_org, False, None, None))
                if past or rng.random() < 0.3:
                    ack = at + timedelta(minutes=rng.randint(3, 90))
                    bid.selection_acknowledged_at = ack
                    changes.append((BidChangeKind.ACKNOWLEDGED, ack, trader, org, False,
                                    f"acknowledged {int((ack - at).total_seconds() // 60)} min after selection", None))
            else:
                bid.status = BidStatus.NOT_SELECTED.value
                changes.append((BidChangeKind.NOT_SELECTED, at, buyer_user, buyer_org, False, None, None))
        self.bids.append((bid, changes))

    # -- floor-price bids of the host LDC -------------------------------------------------------------------

    def floor_bids(self) -> None:
        host = self.demo.orgs.id_by_code.get(HOST_LDC)
        if host is None:
            return
        territory = {i for i, root in self.host.items() if root == host}
        programs = {p["id"] for p in self.demo.portfolio.programs if p["market"] == Market.DISTRIBUTION}
        enrolled = {e["der_id"] for e in self.demo.portfolio.enrolments
                    if e["program_id"] in programs and e["end_date"] is None}
        candidates = [d for d in self.demo.portfolio.ders if d["id"] in enrolled and d["ldc_id"] in territory
                      and d["status"] == DerStatus.ACTIVE and d["platform_id"]]
        if not candidates:
            return
        chosen = sorted(self.rng.sample(candidates, min(FLOOR_DERS, len(candidates))), key=lambda d: d["id"])
        operator = self._user(host, Role.DSO_OPERATOR)
        for n, der in enumerate(chosen):
            for day in (self.as_of, self.as_of + timedelta(days=1)):
                at = _est(day - timedelta(days=1), 9) + timedelta(minutes=n)
                bid = Bid(der_id=der["id"], submitter_org_id=host, market=Market.DISTRIBUTION.value, trade_date=day,
                          first_hour_ending=7, last_hour_ending=22, quantity_kw=float(der["capacity_kw"]),
                          price_per_mwh=0.0, is_floor_price=True, floor_override=False,
                          status=BidStatus.SUBMITTED.value, created_at=at)
                changes: list = [(BidChangeKind.SUBMITTED, at, operator, host, False,
                                  f"floor-price bid at the DER's capacity {bid.quantity_kw:,.1f} kW", None)]
                if n == 0:
                    old = bid.quantity_kw
                    bid.quantity_kw, bid.floor_override = round(old * 0.5, 1), True
                    changes.append((BidChangeKind.FLOOR_OVERRIDE, at + timedelta(minutes=20), operator, host, False,
                                    f"set by hand to {bid.quantity_kw:,.1f} kW: feeder study in progress",
                                    {"quantity_kw": old}))
                self.bids.append((bid, changes))

    # -- writing --------------------------------------------------------------------------------------------

    def write(self) -> None:
        self.session.add_all([bid for bid, _ in self.bids])
        self.session.flush()
        for bid, changes in self.bids:
            for n, (kind, at, user, org, late, detail, before) in enumerate(changes, start=1):
                self.session.add(BidChange(
                    bid_id=bid.id, at=at, user_id=user, organisation_id=org, kind=kind.value, after_close=late,
                    detail=detail, before=before, after=_snapshot(bid, bid.version) if n == len(changes) else None))
        self.session.flush()


def load_market_demo(session: Session, demo: Any, *, seed: int, as_of: date | None = None) -> int:
    """Add the market demo to a freshly loaded demo (in its transaction); returns the number of bids."""
    builder = _Builder(session, demo, seed, as_of or datetime.now(UTC).date())
    builder.plans_and_bids()
    builder.floor_bids()
    builder.write()
    return len(builder.bids)
