"""Province-wide quantities the IESO publishes: demand (total and zonal), real-time totals, prices, and the
variable generation forecast. Pure functions of (seed, time), cached per model instance.

Ontario demand = typical shape (real 2017-2022 means, ``data/demo/ontario_load_shape.json``) x a weather
factor (smooth day-to-day and hour-to-hour noise with the sigmas measured on the real data) x a small
5-minute jitter. Other quantities derive from it with the ratios seen in real reports (e.g. ``Total Load``
about 1,500 MW above ``ONTARIO DEMAND``, losses about 1.7% of load).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from data.demo.load_shape import LoadShape
from data.domain.enums import IesoZone
from data.domain.market_time import interval_start_utc, market_day_bounds_utc, to_market_time
from data.pollers.simulator.behaviour import wind_power_fraction
from data.pollers.simulator.rng import normal, smooth_normal, unit
from data.pollers.simulator.solar import CLOUD_ATTENUATION, clear_sky_fraction, solar_elevation_deg
from data.pollers.simulator.weather import cloudiness, wind_speed

__all__ = [
    "PRICE_ZONES",
    "VG_FLEET",
    "ZONES",
    "ZONE_CENTRES",
    "DaPrice",
    "ForecastSeries",
    "SystemInterval",
    "SystemModel",
    "est_hours",
]

ZONES: tuple[str, ...] = tuple(z.value for z in IesoZone)
PRICE_ZONES: tuple[str, ...] = tuple(z for z in ZONES if z != IesoZone.BRUCE.value)  # virtual zones
# A representative point per zone (its main load centre), for the sun and the weather of the zone.
ZONE_CENTRES: dict[str, tuple[float, float]] = {
    "Northwest": (48.38, -89.25),  # Thunder Bay
    "Northeast": (46.49, -80.99),  # Sudbury
    "Ottawa": (45.42, -75.70),
    "East": (44.23, -76.49),  # Kingston
    "Toronto": (43.70, -79.42),
    "Essa": (44.39, -79.69),  # Barrie
    "Bruce": (44.32, -81.60),
    "Southwest": (43.45, -80.49),  # Kitchener-Waterloo
    "Niagara": (43.09, -79.08),
    "West": (42.32, -83.04),  # Windsor
}
# Variable generation capacity (MW) behind the VGForecastSummary: (organisation type, fuel) -> zone -> MW.
# Approximate Ontario figures [U]; like the real report, not every zone appears for every fuel.
VG_FLEET: dict[tuple[str, str], dict[str, float]] = {
    ("MARKET PARTICIPANT", "Solar"): {"Northeast": 100.0, "Southwest": 380.0},
    ("MARKET PARTICIPANT", "Wind"): {"Bruce": 800.0, "Northeast": 700.0, "Southwest": 2300.0, "West": 1200.0},
    ("EMBEDDED", "Solar"): {
        "East": 800.0, "Essa": 180.0, "Northeast": 70.0, "Northwest": 60.0, "Ottawa": 200.0,
        "Southwest": 260.0, "Toronto": 130.0, "West": 350.0,
    },
    ("EMBEDDED", "Wind"): {"East": 90.0, "Southwest": 300.0, "West": 200.0},
}
TOTAL_QUANTITIES = (
    "Total Energy", "Total Loss", "Total Load", "Total Dispatch Load Scheduled OFF", "Total 10S", "Total 10N",
    "Total 30R", "ONTARIO DEMAND",
)
FORECAST_HOURS = 48
_INTERVAL = timedelta(minutes=5)
_HALF_INTERVAL = timedelta(minutes=2, seconds=30)


def est_hours(ts: datetime) -> float:
    """Hours since 00:00 EST of the trade day of ``ts`` (0 <= h < 24), via market time."""
    mt = to_market_time(ts)
    start = interval_start_utc(mt.trade_date, mt.hour_ending, mt.interval)
    return (mt.hour_ending - 1) + (mt.interval - 1) / 12 + (ts - start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class SystemInterval:
    start_utc: datetime
    trade_date: date
    hour_ending: int
    interval: int
    ontario_mw: float
    market_mw: float
    zones: dict[str, float]  # zone -> MW, rounded to 0.1
    totals: dict[str, float]  # RealtimeTotals market quantity -> MW
    price: float  # Ontario energy price, CAD/MWh
    zone_prices: dict[str, tuple[float, float, float]]  # price zone -> (zonal, loss, congestion)


@dataclass(frozen=True, slots=True)
class DaPrice:
    hour_ending: int
    zonal: float
    loss: float
    congestion: float


@dataclass(frozen=True, slots=True)
class ForecastSeries:
    organisation_type: str  # MARKET PARTICIPANT | EMBEDDED
    fuel: str  # Solar | Wind
    zone: str  # a zone name, or "OntarioTotal"
    points: list[tuple[date, int, float]]  # (EST date, hour-ending, MW)


def _price_of(demand_mw: float) -> float:
    """Ontario energy price (CAD/MWh) for a demand level: cheap at night, convex towards the peak."""
    x = max(-0.2, min(1.5, (demand_mw - 10_000.0) / 10_000.0))
    return 8.0 + 62.0 * x * abs(x)


class SystemModel:
    """Province-wide quantities for one seed; values are cached per instant."""

    def __init__(self, seed: int, shape: LoadShape) -> None:
        self.seed = seed
        self.shape = shape
        self._intervals: dict[datetime, SystemInterval] = {}

    # --- demand ---------------------------------------------------------------------------------------

    def weather_factor(self, ts: datetime) -> float:
        """Multiplier on typical demand: weather over days (knots at noon EST) and over hours."""
        t_hours = ts.timestamp() / 3600
        day = smooth_normal(self.seed, t_hours - 17.0, 24.0, "weather-day")
        hours = smooth_normal(self.seed, t_hours, 3.0, "weather-hour")
        return 1.0 + self.shape.daily_sigma * day + 0.6 * self.shape.hourly_sigma * hours

    def ontario_mw(self, ts: datetime) -> float:
        """Ontario demand over the 5-minute interval starting at ``ts``."""
        middle = ts + _HALF_INTERVAL
        typical = self.shape.ontario_at(to_market_time(ts).trade_date, est_hours(middle))
        return typical * self.weather_factor(middle) * (1.0 + 0.0025 * normal(self.seed, "od-jitter", ts))

    def shape_factor(self, ts: datetime) -> float:
        """Ontario demand over the highest typical mean (~0.5-1.15): scales feeder and flexible loads."""
        return self.ontario_mw(ts) / self.shape.peak_mw

    @property
    def cached(self) -> int:
        return len(self._intervals)

    def interval(self, ts: datetime) -> SystemInterval:
        cached = self._intervals.get(ts)
        if cached is None:
            cached = self._intervals[ts] = self._interval(ts)
        return cached

    def _interval(self, ts: datetime) -> SystemInterval:
        seed = self.seed
        mt = to_market_time(ts)
        middle = ts + _HALF_INTERVAL
        t_hours = middle.timestamp() / 3600
        ontario = self.ontario_mw(ts)
        hours = est_hours(middle)
        typical = self.shape.ontario_at(mt.trade_date, hours)
        exports = (self.shape.market_at(mt.trade_date, hours) - typical) * (
            1.0 + 0.15 * smooth_normal(seed, t_hours, 6.0, "exports")
        )
        market = ontario + max(0.0, exports)
        # Zones: typical fractions of a zone total a little above Ontario demand (the real "Diff"), each zone
        # wandering by about 1%.
        bias = 110.0 + 70.0 * smooth_normal(seed, t_hours, 6.0, "zone-diff")
        zones = {
            zone: round(
                fraction * (ontario + bias) * (1.0 + 0.012 * smooth_normal(seed, t_hours, 2.0, "zone", zone)), 1
            )
            for zone, fraction in self.shape.zone_fractions.items()
        }
        load = ontario + 0.55 * max(0.0, exports) + 15.0 * normal(seed, "tl", ts)
        loss = load * 0.0172 * (1.0 + 0.02 * normal(seed, "loss", ts))
        totals = {
            "Total Energy": round(load + loss, 1),
            "Total Loss": round(loss, 1),
            "Total Load": round(load, 1),
            "Total Dispatch Load Scheduled OFF": 0.0,
            "Total 10S": round(385.0 + 18.0 * normal(seed, "10s", ts), 1),
            "Total 10N": round(910.0 + 15.0 * normal(seed, "10n", ts), 1),
            "Total 30R": round(120.0 + 12.0 * normal(seed, "30r", ts), 1),
            "ONTARIO DEMAND": round(ontario, 1),
        }
        price = _price_of(ontario) + 4.0 * smooth_normal(seed, t_hours, 1.0, "rt-price")
        if unit(seed, "spike", ts) < 0.004:
            price += 80.0 + 220.0 * unit(seed, "spike-size", ts)
        zone_prices = {}
        for zone in PRICE_ZONES:
            loss_price = price * 0.03 * smooth_normal(seed, t_hours, 6.0, "loss-factor", zone)
            congestion = 0.0
            if zone in ("Northwest", "Northeast"):
                congestion = min(0.0, 6.0 * smooth_normal(seed, t_hours, 4.0, "congestion", zone))
            zone_prices[zone] = (
                round(price + loss_price + congestion, 2), round(loss_price, 2), round(congestion, 2)
            )
        return SystemInterval(
            start_utc=ts, trade_date=mt.trade_date, hour_ending=mt.hour_ending, interval=mt.interval,
            ontario_mw=round(ontario, 1), market_mw=round(market, 1), zones=zones, totals=totals,
            price=round(price, 2), zone_prices=zone_prices,
        )

    def day_intervals(self, day: date, until: datetime | None = None) -> list[SystemInterval]:
        """The intervals of an EST trade day in order, those starting at or before ``until`` when given."""
        start, end = market_day_bounds_utc(day)
        out: list[SystemInterval] = []
        ts = start
        while ts < end and (until is None or ts <= until):
            out.append(self.interval(ts))
            ts += _INTERVAL
        return out

    def hourly(self, day: date, hour_ending: int) -> tuple[float, float]:
        """(Market Demand, Ontario Demand) of an hour: means of its 12 intervals, rounded to MW."""
        start = interval_start_utc(day, hour_ending)
        values = [self.interval(start + k * _INTERVAL) for k in range(12)]
        return (
            float(round(sum(v.market_mw for v in values) / 12)),
            float(round(sum(v.ontario_mw for v in values) / 12)),
        )

    # --- day-ahead prices ---------------------------------------------------------------------------------

    def da_prices(self, day: date) -> list[DaPrice]:
        """The day-ahead Ontario zonal price of ``day``: expected demand (typical x the day's weather, no
        hour-to-hour noise) priced like real time, without spikes."""
        out: list[DaPrice] = []
        for hour in range(1, 25):
            middle = interval_start_utc(day, hour) + timedelta(minutes=30)
            t_hours = middle.timestamp() / 3600
            weather = 1.0 + self.shape.daily_sigma * smooth_normal(self.seed, t_hours - 17.0, 24.0, "weather-day")
            expected = self.shape.ontario_at(day, hour - 0.5) * weather
            price = _price_of(expected) + 2.5 * normal(self.seed, "da", day, hour)
            loss = 0.004 * price * normal(self.seed, "da-loss", day, hour)
            congestion = 1.5 * normal(self.seed, "da-cong", day, hour)
            out.append(DaPrice(hour, round(price, 2), round(loss, 2), round(congestion, 2)))
        return out

    # --- variable generation forecast ---------------------------------------------------------------------

    def vg_forecast(self, issued_utc: datetime) -> list[ForecastSeries]:
        """The 48 hourly values from the hour after ``issued_utc``, per (organisation type, fuel, zone), plus
        each one's ``OntarioTotal``. Forecast errors grow with the lead time."""
        first = issued_utc.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        issue_key = int(first.timestamp() // 3600)
        hours: list[tuple[date, int, datetime, float]] = []
        for k in range(FORECAST_HOURS):
            start = first + timedelta(hours=k)
            mt = to_market_time(start)
            hours.append((mt.trade_date, mt.hour_ending, start + timedelta(minutes=30), (k + 1) / FORECAST_HOURS))
        series: list[ForecastSeries] = []
        for (org, fuel), fleet in VG_FLEET.items():
            totals = [0.0] * FORECAST_HOURS
            by_zone: list[ForecastSeries] = []
            for zone, capacity in fleet.items():
                points: list[tuple[date, int, float]] = []
                for k, (day, hour, middle, lead) in enumerate(hours):
                    error = normal(self.seed, "vg-error", org, fuel, zone, issue_key, k) * lead
                    fraction = (
                        self._solar_forecast(zone, middle, error) if fuel == "Solar"
                        else self._wind_forecast(zone, middle, error)
                    )
                    value = round(capacity * fraction, 1)
                    totals[k] += value
                    points.append((day, hour, value))
                by_zone.append(ForecastSeries(org, fuel, zone.upper(), points))
            total = ForecastSeries(
                org, fuel, "OntarioTotal", [(d, h, round(totals[k], 1)) for k, (d, h, _, _) in enumerate(hours)]
            )
            series.extend(sorted([*by_zone, total], key=lambda s: s.zone))
        return series

    def _solar_forecast(self, zone: str, middle: datetime, error: float) -> float:
        lat, lon = ZONE_CENTRES[zone]
        clear = clear_sky_fraction(solar_elevation_deg(lat, lon, middle))
        if clear == 0.0:
            return 0.0
        cloud = max(0.0, min(1.0, cloudiness(self.seed, zone, middle) + 0.25 * error))
        return clear * (1.0 - CLOUD_ATTENUATION * cloud)

    def _wind_forecast(self, zone: str, middle: datetime, error: float) -> float:
        speed = wind_speed(self.seed, zone, middle) * (1.0 + 0.15 * error)
        return 0.9 * wind_power_fraction(speed)  # 90% availability
