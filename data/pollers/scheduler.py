"""The poller service: APScheduler jobs for every feed (and the simulator), run by one leader.

Every process that starts the service becomes a candidate; a `leadership` job checks every
few seconds, and only the leader has feed jobs. A failing feed is retried with exponential
backoff; a healthy one is polled at a rate set by its data cadence.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from config.settings import Settings
from data.db import Database
from data.domain.enums import RunStatus
from data.pollers.leader import Leadership
from data.pollers.runner import next_delay, run_source
from data.pollers.sources import Source, build_sources

log = logging.getLogger("td_platform.pollers")

LEADERSHIP_CHECK_S = 10
SIMULATOR_JOB = "simulator"
SIMULATOR_STATE_FILE = "simulator_state.json"
LIMIT_EXPIRY_JOB = "limit_expiry"
LIMIT_EXPIRY_S = 60
CONFLICT_CHECK_JOB = "conflict_check"
CONFLICT_CHECK_S = 60


def poll_interval_s(cadence_s: int) -> int:
    """How often to look for new data: a few times per expected cadence, within 15 s .. 10 min."""
    return max(15, min(600, cadence_s // 15))


@dataclass
class PollerService:
    db: Database
    settings: Settings
    sources: list[Source] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sources = self.sources or build_sources(self.settings)
        self.leadership = Leadership(self.db, self.settings.instance_dir)
        # A run delayed by a busy moment still happens (misfire grace), once (coalesce).
        self.scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600}
        )
        self._backfilled = False
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.scheduler.add_job(self.check_leadership, "interval", seconds=LEADERSHIP_CHECK_S, id="leadership",
                               next_run_time=datetime.now(UTC))
        self.scheduler.start()
        log.info("poller service started (%d feeds, simulator %s)", len(self.sources),
                 "on" if self.settings.simulator else "off")

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.leadership.release()

    # -- leadership --------------------------------------------------------------------------
    def check_leadership(self) -> None:
        with self._lock:
            leader = self.leadership.try_acquire()
            scheduled = self.scheduler.get_job(self.sources[0].name) is not None if self.sources else False
            if leader and not scheduled:
                self._schedule_feeds()
            elif not leader and scheduled:
                self._unschedule_feeds()

    def _schedule_feeds(self) -> None:
        now = datetime.now(UTC)
        if self.settings.simulator:
            self.scheduler.add_job(self.simulate_step, "interval", seconds=self.settings.simulator_step_s,
                                   id=SIMULATOR_JOB, next_run_time=now)
        self.scheduler.add_job(self.expire_limits, "interval", seconds=LIMIT_EXPIRY_S, id=LIMIT_EXPIRY_JOB,
                               next_run_time=now)
        self.scheduler.add_job(self.check_conflicts, "interval", seconds=CONFLICT_CHECK_S, id=CONFLICT_CHECK_JOB,
                               next_run_time=now + timedelta(seconds=5))
        for i, source in enumerate(self.sources):
            self.scheduler.add_job(self.poll, "interval", args=[source], id=source.name,
                                   seconds=poll_interval_s(source.cadence_s),
                                   next_run_time=now + timedelta(seconds=2 + i))  # spread the first runs
        log.info("this process is the poller leader: %d feed jobs scheduled", len(self.sources))

    def _unschedule_feeds(self) -> None:
        for job in self.scheduler.get_jobs():
            if job.id != "leadership":
                job.remove()
        log.info("poller leadership lost: feed jobs removed")

    # -- jobs --------------------------------------------------------------------------------
    def poll(self, source: Source) -> None:
        try:
            result = run_source(self.db, source)
            failed = result.status is RunStatus.ERROR
        except Exception:  # noqa: BLE001 - a crash of one feed never stops the others
            log.exception("feed %s crashed", source.name)
            failed = True
        if not failed:
            self.failures[source.name] = 0
            return
        n = self.failures.get(source.name, 0) + 1
        self.failures[source.name] = n
        delay = next_delay(n, poll_interval_s(source.cadence_s))
        job = self.scheduler.get_job(source.name)
        if job is not None:  # retry with backoff instead of hammering a broken source
            job.modify(next_run_time=datetime.now(UTC) + timedelta(seconds=delay))
        log.warning("feed %s failed (%d in a row): next try in %.0f s", source.name, n, delay)

    def expire_limits(self) -> None:
        """Limit requests not decided by their approval cut-off become expired (the leader only)."""
        from data.queries.limits import CutoffRule
        from data.services.limits import expire_due

        try:
            with self.db.transaction() as session:
                expired = expire_due(session, datetime.now(UTC), CutoffRule.from_settings(self.settings))
        except Exception:  # noqa: BLE001 - retried at the next run; never stops the other jobs
            log.exception("limit expiry failed")
            return
        if expired:
            log.info("limit requests expired at the cut-off: %s", ", ".join(map(str, expired)))

    def check_conflicts(self) -> None:
        """Overdue dispatch acknowledgements flagged, then the conflict engine run and its alerts stored."""
        from data.services.conflicts import run_conflict_check
        from data.services.dispatch import flag_overdue

        try:
            with self.db.transaction() as session:
                now = datetime.now(UTC)
                overdue = flag_overdue(session, now)
                result = run_conflict_check(session, now)
        except Exception:  # noqa: BLE001 - retried at the next run; never stops the other jobs
            log.exception("conflict check failed")
            return
        if overdue or result.created or result.auto_resolved:
            log.info("conflict check: %d new, %d resolved, %d open; overdue dispatches %s", result.created,
                     result.auto_resolved, result.open_total, overdue)

    def simulate_step(self) -> None:
        """The first step of a new leader writes the recent history (a fresh demo then has charts)."""
        from data.pollers.simulator import backfill, step

        now = datetime.now(UTC)
        try:
            # Only a drop folder that was never simulated gets history; later leaders catch up by steps.
            if not self._backfilled and not (self.settings.feed_dir / SIMULATOR_STATE_FILE).exists():
                self._backfilled = True
                backfill(self.db, self.settings.feed_dir, hours=self.settings.simulator_backfill_h, now=now,
                         seed=self.settings.demo_seed)
            else:
                step(self.db, self.settings.feed_dir, now=now, seed=self.settings.demo_seed)
        except Exception:  # noqa: BLE001 - a simulator fault never stops the pollers
            log.exception("simulator step failed")
