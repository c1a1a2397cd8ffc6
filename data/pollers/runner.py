"""One poll of one source: fetch -> list new files -> parse -> validate -> ingest, one transaction per file.

Every file gets a ``PollerRun`` row (ok / error / skipped) that the health page reads. A file already ingested
OK with the same name, size and modification time is not read again. A broken or half-written file is
refused whole: its run says why, nothing of it is applied, and what earlier files brought stays. A poll that
finds nothing new leaves one "skipped" row per cadence, so health can tell "alive, nothing new" from "dead".
"""
from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import Database
from data.domain.enums import FeedKind, OrgKind, RunStatus
from data.models import Organisation, PollerRun
from data.models.base import utcnow
from data.pollers.parsers import ParsedReport, ReportFormatError, parse_report
from data.pollers.parsers.ldc import parse_feed
from data.pollers.parsers.ldc_records import ParsedFeed
from data.pollers.sources import FeedFetchError, FeedFile, Source, fetch_url, list_files
from data.services.ingest import (
    apply_grid_updates,
    upsert_dispatches,
    upsert_measurements,
    upsert_observations,
    upsert_tx_outages,
)

__all__ = ["MAX_BACKOFF_S", "FileResult", "RunResult", "next_delay", "run_source"]

log = logging.getLogger("td_platform.pollers")

MAX_BACKOFF_S = 900.0  # the default data-age alarm: retrying less often than that hides an outage
_ERROR_CHARS = 4000  # PollerRun.error
_SIGNATURE_CHUNK = 500


@dataclass(frozen=True)
class FileResult:
    name: str
    status: RunStatus
    rows: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    source_timestamp: datetime | None = None


@dataclass(frozen=True)
class RunResult:
    """What one poll did. ``status``: error if any file (or the fetch) failed, ok if a file was ingested,
    else skipped (nothing new)."""

    source: str
    status: RunStatus
    files: tuple[FileResult, ...] = field(default_factory=tuple)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def errors(self) -> list[str]:
        return [f"{f.name}: {f.error}" for f in self.files if f.error]

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings]


def next_delay(consecutive_failures: int, base_s: float, cap_s: float = MAX_BACKOFF_S) -> float:
    """Seconds to the next attempt: ``base_s`` while healthy, doubled per consecutive failure, capped at
    ``cap_s`` (or ``base_s`` when that is longer: a daily feed is never polled more often for failing)."""
    if consecutive_failures <= 0:
        return float(base_s)
    return float(min(base_s * 2 ** min(consecutive_failures, 32), max(cap_s, base_s)))


def run_source(db: Database, source: Source, now: datetime | None = None) -> RunResult:
    """Poll ``source`` once. ``now`` fixes the clock (tests); by default each step reads the real time."""

    def clock() -> datetime:
        return now or utcnow()

    results: list[FileResult] = []
    try:
        fetch_url(source)
    except FeedFetchError as exc:
        log.error("%s: fetch failed: %s", source.name, exc)
        results.append(_record_error(db, source, None, str(exc), clock(), clock))
    for feed_file in _new_files(db, source):
        results.append(_run_file(db, source, feed_file, clock))
    if not results:
        _record_alive(db, source, clock())
        return RunResult(source.name, RunStatus.SKIPPED)
    failed = any(r.status == RunStatus.ERROR for r in results)
    return RunResult(source.name, RunStatus.ERROR if failed else RunStatus.OK, tuple(results))


def _new_files(db: Database, source: Source) -> list[FeedFile]:
    """Files not yet read as they are now. A file that failed is not retried unchanged (the same
    bytes fail the same way); once rewritten (a half-written file completed, a corrected
    restatement) its size or time differs and it is read again."""
    files = list_files(source)
    done: set[str] = set()
    signatures = [f.signature for f in files]
    with db.session() as session:
        for start in range(0, len(signatures), _SIGNATURE_CHUNK):
            done.update(session.scalars(select(PollerRun.file_name).where(
                PollerRun.source == source.name,
                PollerRun.status.in_((RunStatus.OK.value, RunStatus.ERROR.value)),
                PollerRun.file_name.in_(signatures[start:start + _SIGNATURE_CHUNK]))))
    return [f for f in files if f.signature not in done]


def _run_file(db: Database, source: Source, feed_file: FeedFile, clock: Callable[[], datetime]) -> FileResult:
    started = clock()
    warnings: list[str] = []
    try:
        parsed = _parse(source, feed_file.name, feed_file.path.read_bytes())
        warnings.extend(parsed.warnings)
        stamp = _source_timestamp(parsed)
        with db.transaction() as session:  # the data and the record of it commit together, or neither
            rows = _ingest(session, source, parsed, started, warnings)
            session.add(PollerRun(source=source.name, started_at=started, ended_at=clock(), status=RunStatus.OK.value,
                                  rows=rows, source_timestamp=stamp, file_name=feed_file.signature))
    except ReportFormatError as exc:
        log.error("%s: %s refused: %s", source.name, feed_file.name, exc)
        return _record_error(db, source, feed_file, str(exc), started, clock, warnings)
    except Exception as exc:  # noqa: BLE001 - one bad file or a database hiccup must not stop the poller
        log.exception("%s: %s failed", source.name, feed_file.name)
        return _record_error(db, source, feed_file, f"{type(exc).__name__}: {exc}", started, clock, warnings)
    for warning in warnings:
        log.warning("%s: %s", source.name, warning)
    log.info("%s: %s ingested, %d row(s) inserted or changed, %d warning(s)",
             source.name, feed_file.name, rows, len(warnings))
    return FileResult(feed_file.name, RunStatus.OK, rows, None, tuple(warnings), stamp)


def _parse(source: Source, name: str, content: bytes) -> ParsedReport | ParsedFeed:
    """Parse and check that the file is what the source promises (a misfiled report is refused)."""
    if source.kind in (FeedKind.IESO_REPORT, FeedKind.DISPATCH):
        report = parse_report(name, content)
        if source.reports and not any(fnmatch.fnmatchcase(report.report, p) for p in source.reports):
            raise ReportFormatError(
                f"holds a {report.report} report, but {source.name} reads {', '.join(source.reports)}", source=name
            )
        return report
    feed = parse_feed(name, content)
    if feed.source != source.kind.value:
        raise ReportFormatError(f"is a {feed.source} feed, but {source.name} reads {source.kind}", source=name)
    return feed


def _source_timestamp(parsed: ParsedReport | ParsedFeed) -> datetime | None:
    """The report's creation time, else its newest interval (or newest dispatch message)."""
    if parsed.created_at_utc is not None:
        return parsed.created_at_utc
    if isinstance(parsed, ParsedFeed):
        return max((m.ts_utc for m in parsed.measurements), default=None)
    times = [o.ts_utc for o in parsed.observations]
    times += [t for d in parsed.dispatches for t in (d.date_sent, d.last_updated) if t is not None]
    return max(times, default=None)


def _ingest(session: Session, source: Source, parsed: ParsedReport | ParsedFeed, now: datetime,
            warnings: list[str]) -> int:
    if isinstance(parsed, ParsedFeed):
        known = parsed.organisation_code is None or session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.code == parsed.organisation_code))
        if not known:
            warnings.append(f"sender {parsed.organisation_code!r} is not a registered organisation")
        return (upsert_measurements(session, parsed.measurements, source.name, received_at=now, warnings=warnings)
                + apply_grid_updates(session, parsed.grid_updates, warnings=warnings))
    rows = upsert_observations(session, parsed.observations, source.name, received_at=now, warnings=warnings)
    if parsed.outages or parsed.dispatches:
        ieso = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value)
                              .order_by(Organisation.id).limit(1))
        if ieso is None:
            raise LookupError("no IESO organisation (kind 'iso') is registered: outages and dispatches need one")
        rows += upsert_tx_outages(session, parsed.outages, ieso, now=now, warnings=warnings)
        rows += upsert_dispatches(session, parsed.dispatches, ieso, warnings=warnings)
    return rows


def _record_error(db: Database, source: Source, feed_file: FeedFile | None, error: str, started: datetime,
                  clock: Callable[[], datetime], warnings: list[str] | None = None) -> FileResult:
    name = feed_file.name if feed_file else (source.url or source.name)
    try:
        with db.transaction() as session:
            session.add(PollerRun(source=source.name, started_at=started, ended_at=clock(),
                                  status=RunStatus.ERROR.value, rows=0, error=error[:_ERROR_CHARS],
                                  file_name=feed_file.signature if feed_file else None))
    except Exception:  # noqa: BLE001 - the database itself may be what failed; the log still has it
        log.exception("%s: could not record the error run for %s", source.name, name)
    return FileResult(name, RunStatus.ERROR, 0, error, tuple(warnings or ()))


def _record_alive(db: Database, source: Source, now: datetime) -> None:
    """One "skipped" row per cadence when nothing is new, so a quiet feed is not mistaken for a dead poller."""
    since = now - timedelta(seconds=source.cadence_s)
    try:
        with db.transaction() as session:
            recent = session.scalar(select(func.count()).select_from(PollerRun).where(
                PollerRun.source == source.name, PollerRun.started_at > since))
            if not recent:
                session.add(PollerRun(source=source.name, started_at=now, ended_at=now,
                                      status=RunStatus.SKIPPED.value, rows=0))
    except Exception:  # noqa: BLE001 - same as above
        log.exception("%s: could not record the skipped run", source.name)
