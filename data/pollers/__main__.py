"""Run the pollers on their own: `python -m data.pollers` (several may run; one leads)."""
from __future__ import annotations

import logging
import signal
import threading

from config.settings import load_settings
from data.db import Database
from data.pollers.scheduler import PollerService


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    db = Database.connect(settings.database_url)
    db.migrate(settings.instance_dir)
    service = PollerService(db, settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service.start()
    stop.wait()
    service.shutdown()


if __name__ == "__main__":
    main()
