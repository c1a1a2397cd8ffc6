"""Which IESO files one interval publishes, and when (see ``writer`` for the table). Names and every time
inside are EST market time."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import partial

from data.domain.market_time import MARKET_TZ, interval_start_utc, market_day_bounds_utc, to_market_time
from data.pollers.simulator import ieso_files
from data.pollers.simulator.events import EventBook, TxOutagePlan
from data.pollers.simulator.files import Output
from data.pollers.simulator.ontario import SystemModel

__all__ = ["DA_PUBLISHED", "STEP", "VG_MINUTE", "IesoWriter"]

STEP = timedelta(minutes=5)
DA_PUBLISHED = (12, 30)  # EST: the interval starting then publishes tomorrow's day-ahead prices
VG_MINUTE = 50  # EST: the interval starting at HH:50 publishes the hourly forecast refresh
TX_OUTAGES = "PUB_TxOutagesTodayAll.xml"
_RANGE_START = re.compile(rb"<OutageRangeStart>(\d{4}-\d{2}-\d{2})")


class IesoWriter:
    def __init__(self, system: SystemModel, events: EventBook, out: Output) -> None:
        self.system, self.events, self.out = system, events, out

    def interval(self, ts: datetime) -> None:
        """The files the interval starting at ``ts`` publishes when it ends."""
        mt = to_market_time(ts)
        end = ts + STEP
        day, hour = mt.trade_date, mt.hour_ending
        hour_start = interval_start_utc(day, hour)
        so_far = [hour_start + k * STEP for k in range(mt.interval)]
        self.out.last("ieso_realtime_totals", f"PUB_RealtimeTotals_{day:%Y%m%d}{hour:02d}.xml",
                      partial(self._totals, so_far, end))
        self.out.last("ieso_realtime_prices", f"PUB_RealtimeZonalEnergyPrices_{day:%Y%m%d}{hour:02d}.xml",
                      partial(self._prices, day, hour, so_far, end))
        self.out.last("ieso_realtime_zonal", "PUB_RealtimeDemandZonal.csv", partial(self._zonal, day, ts, end))
        if hour == 24 and mt.interval == 12:  # the day is complete: keep it under its date too
            self.out.now("ieso_realtime_zonal", f"PUB_RealtimeDemandZonal_{day:%Y%m%d}.csv",
                         self._zonal(day, ts, end))
        if mt.interval == 12:
            self.out.last("ieso_demand", "PUB_Demand.csv", partial(self._demand, day, hour, end))
        local = ts.astimezone(MARKET_TZ)
        if local.minute == VG_MINUTE:
            self.out.last("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml", partial(self._vg, end))
        if (local.hour, local.minute) == DA_PUBLISHED:
            tomorrow = day + timedelta(days=1)
            self.out.last("ieso_da_prices", f"PUB_DAHourlyOntarioZonalPrice_{tomorrow:%Y%m%d}.xml",
                          partial(self._da, tomorrow, end))
        self._tx_outages(ts, end)
        self._dispatches(day, ts, end)

    def ensure(self, last: datetime) -> None:
        """After the last interval of a run: the daily files a fresh folder needs."""
        end = last + STEP
        mt = to_market_time(last)
        day = mt.trade_date
        if not self.out.has("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml"):
            self.out.last("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml", partial(self._vg, end))
        published_today = market_day_bounds_utc(day)[0] + timedelta(hours=DA_PUBLISHED[0], minutes=DA_PUBLISHED[1])
        for target, created in ((day, published_today - timedelta(days=1) + STEP),
                                (day + timedelta(days=1), published_today + STEP)):
            name = f"PUB_DAHourlyOntarioZonalPrice_{target:%Y%m%d}.xml"
            if created <= end and not self.out.has("ieso_da_prices", name):
                self.out.last("ieso_da_prices", name, partial(self._da, target, created))
        if not self.out.has("ieso_demand", "PUB_Demand.csv"):
            complete = mt.hour_ending if mt.interval == 12 else mt.hour_ending - 1
            self.out.last("ieso_demand", "PUB_Demand.csv", partial(self._demand, day, complete, end))
        self._ensure_tx_outages(last, end)

    # --- renderers (run at flush time, in the last version) ---------------------------------------------

    def _totals(self, starts: list[datetime], created: datetime) -> bytes:
        return ieso_files.realtime_totals_xml([self.system.interval(t) for t in starts], created)

    def _prices(self, day: date, hour: int, starts: list[datetime], created: datetime) -> bytes:
        return ieso_files.realtime_zonal_prices_xml(day, hour, [self.system.interval(t) for t in starts], created)

    def _zonal(self, day: date, until: datetime, created: datetime) -> bytes:
        return ieso_files.realtime_demand_zonal_csv(day, self.system.day_intervals(day, until), created)

    def _demand(self, day: date, last_hour: int, created: datetime) -> bytes:
        """Yesterday's 24 hours and today's hours 1..``last_hour`` (0: none yet)."""
        yesterday = day - timedelta(days=1)
        hours = [(yesterday, h) for h in range(1, 25)] + [(day, h) for h in range(1, last_hour + 1)]
        return ieso_files.demand_csv([(d, h, *self.system.hourly(d, h)) for d, h in hours], created)

    def _vg(self, created: datetime) -> bytes:
        forecast_at = created - timedelta(minutes=21)  # the real file: forecast 08:34, created 08:55
        return ieso_files.vg_forecast_xml(self.system.vg_forecast(created), forecast_at, created)

    def _da(self, day: date, created: datetime) -> bytes:
        return ieso_files.da_zonal_price_xml(day, self.system.da_prices(day), created)

    # --- events -------------------------------------------------------------------------------------------

    def _outage_key(self, ts: datetime) -> tuple[date, list[TxOutagePlan], tuple[tuple[str, str], ...]]:
        day = to_market_time(ts).trade_date
        outages = self.events.outages_today(day, ts + STEP)
        return day, outages, tuple((o.outage_id, o.status_at(ts + STEP)) for o in outages)

    def _tx_outages(self, ts: datetime, end: datetime) -> None:
        """Rewrite the report when today's list changes (an outage starts or ends, a new day)."""
        day, outages, key = self._outage_key(ts)
        previous_day, _, previous_key = self._outage_key(ts - STEP)
        changed = (day, key) != (previous_day, previous_key)
        if changed and (outages or self.out.has("ieso_tx_outages", TX_OUTAGES)):
            self.out.last("ieso_tx_outages", TX_OUTAGES,
                          partial(ieso_files.tx_outages_today_xml, day, outages, end, end))

    def _ensure_tx_outages(self, last: datetime, end: datetime) -> None:
        """Today's outages are in the folder (and no other day's): for a first run, or after a pause."""
        day, outages, _ = self._outage_key(last)
        path = self.out.path("ieso_tx_outages", TX_OUTAGES)
        if path in self.out.pending:
            return
        if path.exists():
            match = _RANGE_START.search(path.read_bytes()[:2048])
            if match and match.group(1).decode() == day.isoformat():
                return  # today's report is there (rewritten on every change)
        elif not outages:
            return
        self.out.last("ieso_tx_outages", TX_OUTAGES, partial(ieso_files.tx_outages_today_xml, day, outages, end, end))

    def _dispatches(self, day: date, ts: datetime, end: datetime) -> None:
        sent = [e for e in self.events.dispatches(day) if ts <= e.sent_utc < end]
        if sent:
            stamp = sent[0].sent_utc.astimezone(MARKET_TZ)
            self.out.now("ieso_dispatch", f"dispatch_{stamp:%Y%m%d%H%M%S}.json", ieso_files.dispatch_json(sent))
