"""Pause or resume one simulated feed, so an operator can watch it go late, then stale."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from data.access import Permission, Principal
from data.domain.errors import DomainError
from data.pollers.simulator.files import read_paused, write_paused
from data.services import audit


def set_feed_paused(session: Session, principal: Principal, feed_dir: Path, source: str, known: set[str],
                    paused: bool) -> frozenset[str]:
    principal.require(Permission.OPERATE_SIMULATOR)
    if source not in known:
        raise DomainError(f"There is no feed called {source!r}.")
    before = read_paused(feed_dir)
    after = before | {source} if paused else before - {source}
    if after != before:
        write_paused(feed_dir, after)
        audit.record(session, principal, "pause_simulated_feed" if paused else "resume_simulated_feed",
                     "feed", source, {"paused": sorted(before)}, {"paused": sorted(after)})
    return after


def paused_feeds(feed_dir: Path) -> frozenset[str]:
    return read_paused(feed_dir)
