"""The drop folder: atomic writes, retention, and the simulator's small progress file.

Every file is written to ``<name>.tmp`` in its own folder and moved over the target with ``os.replace``,
so a poller sees the old file or the new one, never half of one.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["SOURCES", "STATE_FILE", "Output", "atomic_write", "purge_old", "read_state", "write_state"]

SOURCES = (
    "ieso_demand", "ieso_realtime_zonal", "ieso_realtime_totals", "ieso_vg_forecast", "ieso_tx_outages",
    "ieso_realtime_prices", "ieso_da_prices", "ieso_dispatch", "ldc_adms", "ldc_mdm", "aggregator_telemetry",
    "ldc_gis",
)
STATE_FILE = "simulator_state.json"
TMP_SUFFIX = ".tmp"
STALE_TMP = timedelta(hours=1)  # a .tmp this old was left by a crashed writer
_GIS_NAME = re.compile(r"^gis_(?P<org>.+)_(?P<day>\d{8})\.geojson$")


def atomic_write(path: Path, data: bytes) -> int:
    """Write ``data`` to ``path`` via ``path.tmp`` + ``os.replace``; returns the number of bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return len(data)


def _newest_gis(folder: Path) -> set[str]:
    """Names of each LDC's newest GIS file: kept whatever their age (the network "as it is")."""
    newest: dict[str, str] = {}
    for entry in folder.iterdir():
        match = _GIS_NAME.match(entry.name)
        if match and entry.name > newest.get(match.group("org"), ""):
            newest[match.group("org")] = entry.name
    return set(newest.values())


def purge_old(drop_dir: Path, now: datetime, retention: timedelta) -> int:
    """Delete files in the source folders last written before ``now - retention`` (and stale ``.tmp``
    files); each LDC's newest GIS file stays. Returns how many were deleted."""
    deleted = 0
    cutoff = (now - retention).timestamp()
    tmp_cutoff = (now - STALE_TMP).timestamp()
    for source in SOURCES:
        folder = drop_dir / source
        if not folder.is_dir():
            continue
        keep = _newest_gis(folder) if source == "ldc_gis" else set()
        for entry in os.scandir(folder):
            if not entry.is_file() or entry.name in keep:
                continue
            limit = tmp_cutoff if entry.name.endswith(TMP_SUFFIX) else cutoff
            try:
                if entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
                    deleted += 1
            except FileNotFoundError:
                continue  # removed meanwhile
    return deleted


def read_state(drop_dir: Path) -> dict[str, Any]:
    """The progress file, or {} when absent or unreadable (then the simulator starts afresh)."""
    try:
        data = json.loads((drop_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(drop_dir: Path, state: dict[str, Any]) -> None:
    atomic_write(drop_dir / STATE_FILE, (json.dumps(state, indent=2, sort_keys=True) + "\n").encode("utf-8"))


@dataclass
class Output:
    """The files of one simulator run: written now, or at the end in their last version (a report rewritten
    every interval is written once per run)."""

    drop_dir: Path
    paused: frozenset[str] = frozenset()  # sources not written (an operator paused them)
    pending: dict[Path, tuple[str, Callable[[], bytes]]] = field(default_factory=dict)
    written: dict[Path, tuple[str, int]] = field(default_factory=dict)  # path -> (source, bytes)

    def path(self, source: str, name: str) -> Path:
        return self.drop_dir / source / name

    def now(self, source: str, name: str, content: bytes) -> None:
        if source in self.paused:
            return
        path = self.path(source, name)
        self.written[path] = (source, atomic_write(path, content))

    def last(self, source: str, name: str, render: Callable[[], bytes]) -> None:
        """Write at the end of the run, in the last version asked for (rendered then)."""
        if source in self.paused:
            return
        self.pending[self.path(source, name)] = (source, render)

    def has(self, source: str, name: str) -> bool:
        path = self.path(source, name)
        return path in self.pending or path in self.written or path.exists()

    def flush(self) -> None:
        for path, (source, render) in self.pending.items():
            self.written[path] = (source, atomic_write(path, render()))
        self.pending.clear()


PAUSED_FILE = "simulator_paused.json"


def read_paused(drop_dir: Path) -> frozenset[str]:
    """Sources an operator paused (to see a feed go late, then stale, on the health page)."""
    try:
        names = json.loads((Path(drop_dir) / PAUSED_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str)) if isinstance(names, list) else frozenset()


def write_paused(drop_dir: Path, names: frozenset[str]) -> None:
    atomic_write(Path(drop_dir) / PAUSED_FILE, json.dumps(sorted(names)).encode())
