"""Settings read once from environment variables, with defaults for the embedded set-up.

One frozen object is passed to `create_app`; nothing else reads `os.environ`.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return default if value is None or value.strip() == "" else int(value)


def _float(value: str | None, default: float) -> float:
    return default if value is None or value.strip() == "" else float(value)


def _feed_urls(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """FEED_URL_IESO_DEMAND=https://... -> (("ieso_demand", "https://..."),)."""
    prefix = "FEED_URL_"
    return tuple(sorted(
        (k[len(prefix):].lower(), v.strip()) for k, v in env.items() if k.startswith(prefix) and v.strip()
    ))


def _settlement_rates(env: dict[str, str]) -> dict[str, float]:
    """settlement_* fields from SETTLEMENT_<FIELD> (e.g. SETTLEMENT_DAM_DELIVERY_PER_MWH=300), else the defaults."""
    names = [f.name for f in fields(Settings) if f.name.startswith("settlement_")]
    return {name: _float(env.get(name.upper()), getattr(Settings, name)) for name in names}


def _secret_key(instance_dir: Path) -> str:
    """Keep a generated key in instance/ so sessions survive restarts and are shared by workers."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_dir: Path
    host: str = "127.0.0.1"
    port: int = 8050
    demo: bool = True
    demo_ders: int = 5000
    demo_seed: int = 20261130
    demo_password: str = "demo"
    scheduler: bool = True
    tile_url: str | None = None
    tile_attribution: str = ""
    redis_url: str | None = None
    login_rate_limit: str = "10 per minute"
    session_cookie_secure: bool = False
    # Market timing (DOMAIN.md): DAM closes 10:00 EST the day before; approvals 3 h earlier.
    dam_close_hour_est: int = 10
    approval_cutoff_hours_before_close: float = 3.0
    next_day_notice_hour_local: int = 10
    # Data freshness thresholds for the data-age badge, in seconds.
    stale_warning_s: int = 300
    stale_alarm_s: int = 900
    wall_refresh_s: int = 30
    wall_rotation_pages: tuple[str, ...] = field(default_factory=tuple)
    wall_rotation_s: int = 60
    # Feeds (docs/FEEDS.md): one folder per source under feed_dir; optional URL per source name.
    feed_dir: Path = DEFAULT_INSTANCE_DIR / "feeds"
    # (source name, URL) pairs from FEED_URL_<NAME>; a tuple keeps the settings hashable.
    feed_urls: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    feed_timeout_s: float = 20.0
    # The built-in grid simulator writes every feed into feed_dir (default: on with the demo).
    simulator: bool = True
    simulator_step_s: int = 30
    simulator_backfill_h: int = 24
    # Unofficial settlement (pages/settlement.py, data/domain/settlement.py), per market (dam, real_time,
    # distribution): activation $ per MW per event, availability $ per MWh activated, delivery $ per MWh delivered;
    # then one non-performance charge $ per MWh short of the threshold (% of the activated energy).
    settlement_dam_activation_per_mw: float = 100.0
    settlement_dam_availability_per_mwh: float = 20.0
    settlement_dam_delivery_per_mwh: float = 250.0
    settlement_real_time_activation_per_mw: float = 50.0
    settlement_real_time_availability_per_mwh: float = 0.0
    settlement_real_time_delivery_per_mwh: float = 200.0
    settlement_distribution_activation_per_mw: float = 150.0
    settlement_distribution_availability_per_mwh: float = 30.0
    settlement_distribution_delivery_per_mwh: float = 400.0
    settlement_non_performance_per_mwh: float = 100.0
    settlement_performance_threshold_pct: float = 80.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from `env` (default: the process environment); keyword overrides win."""
    env = dict(os.environ if env is None else env)
    instance_dir = Path(env.get("INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
    values: dict[str, object] = dict(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'platform.db'}",
        secret_key=env.get("SECRET_KEY") or None,
        instance_dir=instance_dir,
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env.get("PORT"), 8050),
        demo=_bool(env.get("DEMO"), True),
        demo_ders=_int(env.get("DEMO_DERS"), 5000),
        demo_seed=_int(env.get("DEMO_SEED"), 20261130),
        demo_password=env.get("DEMO_PASSWORD") or "demo",
        scheduler=_bool(env.get("SCHEDULER"), True),
        tile_url=env.get("TILE_URL") or None,
        tile_attribution=env.get("TILE_ATTRIBUTION", ""),
        redis_url=env.get("REDIS_URL") or None,
        login_rate_limit=env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        session_cookie_secure=_bool(env.get("SESSION_COOKIE_SECURE"), False),
        dam_close_hour_est=_int(env.get("DAM_CLOSE_HOUR_EST"), 10),
        approval_cutoff_hours_before_close=_float(env.get("APPROVAL_CUTOFF_HOURS"), 3.0),
        stale_warning_s=_int(env.get("STALE_WARNING_S"), 300),
        stale_alarm_s=_int(env.get("STALE_ALARM_S"), 900),
        wall_refresh_s=_int(env.get("WALL_REFRESH_S"), 30),
        wall_rotation_pages=tuple(p for p in env.get("WALL_ROTATION", "").split(",") if p.strip()),
        wall_rotation_s=_int(env.get("WALL_ROTATION_S"), 60),
        feed_urls=_feed_urls(env),
        feed_timeout_s=_float(env.get("FEED_TIMEOUT_S"), 20.0),
        simulator=_bool(env.get("SIMULATOR"), _bool(env.get("DEMO"), True)),
        simulator_step_s=_int(env.get("SIMULATOR_STEP_S"), 30),
        simulator_backfill_h=_int(env.get("SIMULATOR_BACKFILL_H"), 24),
        **_settlement_rates(env),
    )
    values.update(overrides)
    if "feed_dir" not in values:  # follows the final instance_dir unless FEED_DIR or an override says
        values["feed_dir"] = Path(env.get("FEED_DIR") or Path(str(values["instance_dir"])) / "feeds")
    if not values["secret_key"]:
        values["secret_key"] = _secret_key(Path(str(values["instance_dir"])))
    return Settings(**values)  # type: ignore[arg-type]
