"""The feeds the pollers read (docs/FEEDS.md): one ``Source`` per feed, a folder each, optionally a URL.

A source's files land in ``<FEED_DIR>/<source name>/`` (the simulator writes there; so can an LDC's SFTP
drop). With ``FEED_URL_<NAME>`` set, the file at that URL is first mirrored into the same folder, so files
and URLs go through one path. ``cadence_s`` is how often new data is expected: the health page compares the
age of the last run with it.
"""
from __future__ import annotations

import fnmatch
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from config.settings import Settings
from data.domain.enums import FeedKind

__all__ = ["FeedFetchError", "FeedFile", "Source", "build_sources", "fetch_url", "list_files"]

FIVE_MINUTES, HOURLY, DAILY = 300, 3600, 86400
MAX_DOWNLOAD_BYTES = 100 * 2**20
USER_AGENT = "td-coordination-platform/0.1 (feed poller)"


@dataclass(frozen=True)
class Source:
    name: str  # also the folder name and PollerRun.source
    label: str
    kind: FeedKind
    cadence_s: int
    patterns: tuple[str, ...]  # file-name globs, case-insensitive
    folder: Path
    url: str | None = None
    reports: tuple[str, ...] = ()  # IESO DocId globs the files must hold; empty: any
    timeout_s: float = 20.0

    def matches(self, file_name: str) -> bool:
        name = file_name.lower()
        return not name.startswith(".") and any(fnmatch.fnmatchcase(name, p.lower()) for p in self.patterns)


# name, label, kind, cadence, patterns, expected IESO reports
_CATALOGUE: tuple[tuple[str, str, FeedKind, int, tuple[str, ...], tuple[str, ...]], ...] = (
    ("ieso_demand", "IESO hourly Ontario demand", FeedKind.IESO_REPORT, DAILY,
     ("PUB_Demand.csv", "PUB_Demand_[0-9]*.csv"), ("Demand",)),
    ("ieso_realtime_zonal", "IESO 5-minute zonal demand", FeedKind.IESO_REPORT, FIVE_MINUTES,
     ("PUB_RealtimeDemandZonal*.csv",), ("RealtimeDemandZonal",)),
    ("ieso_realtime_totals", "IESO real-time market totals", FeedKind.IESO_REPORT, FIVE_MINUTES,
     ("PUB_RealtimeTotals*.xml",), ("RealtimeTotals",)),
    ("ieso_vg_forecast", "IESO variable generation forecast", FeedKind.IESO_REPORT, HOURLY,
     ("PUB_VGForecastSummary*.xml",), ("VGForecastSummary",)),
    ("ieso_tx_outages", "IESO transmission outages", FeedKind.IESO_REPORT, HOURLY,
     ("PUB_TxOutages*.xml",), ("TxOutages*",)),
    ("ieso_realtime_prices", "IESO real-time zonal prices", FeedKind.IESO_REPORT, FIVE_MINUTES,
     ("PUB_RealtimeZonalEnergyPrices*.xml",), ("RealtimeZonalEnergyPrices",)),
    ("ieso_da_prices", "IESO day-ahead zonal price", FeedKind.IESO_REPORT, DAILY,
     ("PUB_DAHourlyOntarioZonalPrice*.xml",), ("DAHourlyOntarioZonalPrice",)),
    ("ieso_dispatch", "IESO dispatch instructions", FeedKind.DISPATCH, FIVE_MINUTES,
     ("dispatch_*.json", "dispatch_*.xml"), ("DispatchInstructions",)),
    ("ldc_adms", "LDC ADMS station and feeder loading", FeedKind.ADMS, FIVE_MINUTES, ("adms_*.csv",), ()),
    ("ldc_mdm", "LDC meter data (MDM)", FeedKind.MDM, DAILY, ("mdm_*.csv",), ()),
    ("aggregator_telemetry", "Aggregator DER telemetry", FeedKind.TELEMETRY, FIVE_MINUTES,
     ("telemetry_*.json",), ()),
    ("ldc_gis", "LDC GIS network updates", FeedKind.GIS, DAILY,
     ("gis_*.geojson", "gis_*.json", "gis_*.zip"), ()),
)


def build_sources(settings: Settings) -> list[Source]:
    """Every feed, its folder under ``settings.feed_dir`` and its URL from ``FEED_URL_<NAME>`` if set."""
    urls = dict(settings.feed_urls)
    return [
        Source(name=name, label=label, kind=kind, cadence_s=cadence, patterns=patterns,
               folder=Path(settings.feed_dir) / name, url=urls.get(name), reports=reports,
               timeout_s=settings.feed_timeout_s)
        for name, label, kind, cadence, patterns, reports in _CATALOGUE
    ]


class FeedFile(NamedTuple):
    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def signature(self) -> str:
        """What PollerRun.file_name stores: a file is new again when its size or time changes."""
        return f"{self.name[:250]}|{self.size}|{self.mtime_ns}"


def list_files(source: Source) -> list[FeedFile]:
    """The source's files, oldest first, so a later version of a report is applied after an earlier one."""
    if not source.folder.is_dir():
        return []
    files = []
    for entry in os.scandir(source.folder):
        if entry.is_file() and source.matches(entry.name):
            stat = entry.stat()
            files.append(FeedFile(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    return sorted(files, key=lambda f: (f.mtime_ns, f.name))


class FeedFetchError(RuntimeError):
    """The URL answered with an error other than 404, or did not answer."""


def fetch_url(source: Source) -> Path | None:
    """Mirror ``source.url`` into the source's folder; the path when its content is new, else None.

    404 is "not published yet", not an error. The file is written under a hidden name and renamed, so the
    folder never shows a half-written file; identical content is not rewritten (its time stays, so the runner
    skips it).
    """
    if not source.url:
        return None
    name = Path(urlsplit(source.url).path).name or f"{source.name}.download"
    request = urllib.request.Request(source.url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=source.timeout_s) as response:  # noqa: S310 - configured URL
            content = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise FeedFetchError(f"{source.url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedFetchError(f"{source.url}: {getattr(exc, 'reason', exc)}") from None
    if len(content) > MAX_DOWNLOAD_BYTES:
        raise FeedFetchError(f"{source.url}: larger than {MAX_DOWNLOAD_BYTES // 2**20} MB")
    source.folder.mkdir(parents=True, exist_ok=True)
    target = source.folder / name
    if target.exists() and target.read_bytes() == content:
        return None
    partial = source.folder / f".{name}.part"
    partial.write_bytes(content)
    os.replace(partial, target)
    return target
