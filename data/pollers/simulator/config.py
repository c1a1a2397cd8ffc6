"""The simulator's settings and what a run reports back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from data.demo.load_shape import DEFAULT_JSON

__all__ = ["DEFAULT_SEED", "SimulationSummary", "SimulatorConfig"]

DEFAULT_SEED = 20261130  # the demo's seed (settings.demo_seed)


@dataclass(frozen=True)
class SimulatorConfig:
    retention: timedelta | None = timedelta(days=2)  # files older than this are deleted; None: never
    telemetry_min_kw: float = 50.0  # every aggregated DER this large is in its aggregator's telemetry
    telemetry_sample: float = 0.02  # ... plus this deterministic share of the smaller ones
    blank_rate: float = 0.002  # share of ADMS cells / telemetry readings left blank, as real feeds do
    max_catch_up: timedelta = timedelta(hours=24)  # step: never simulate more than this at once
    # MDM: True (default) reports each resource whole in one LDC's file, its "LDC of record" (the one with
    # most of its metered DERs). The platform keeps one resource meter series per feed, not per sending LDC,
    # so a resource split over several LDCs' files would overwrite itself. False: every LDC reports only
    # its own DERs' share.
    mdm_ldc_of_record: bool = True
    shape_path: Path = DEFAULT_JSON


@dataclass(frozen=True)
class SimulationSummary:
    start_utc: datetime | None
    end_utc: datetime | None
    intervals: int
    files: int  # files written (a file rewritten in one call counts once)
    bytes: int
    by_source: dict[str, tuple[int, int]]  # source -> (files, bytes)
    deleted: int  # files removed by the retention
    seconds: float
    paths: tuple[Path, ...] = ()
    skipped: str | None = None  # why nothing was simulated (up to date, another run holds the lock)

    def lines(self) -> list[str]:
        if self.skipped or self.start_utc is None or self.end_utc is None:
            return [f"skipped: {self.skipped}"]
        head = (f"{self.intervals} interval(s) {self.start_utc:%Y-%m-%d %H:%M} to {self.end_utc:%Y-%m-%d %H:%M} "
                f"UTC: {self.files} file(s), {self.bytes:,} bytes, {self.deleted} deleted, {self.seconds:.2f} s")
        return [head, *(f"  {s}: {n} file(s), {b:,} bytes" for s, (n, b) in sorted(self.by_source.items()))]
