"""GET /healthz: machine-readable status for load balancers and the acceptance probes."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from callbacks.context import db, settings
from data.pollers.sources import build_sources
from data.queries.feed_health import feed_health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    database_ok = db().ping()
    feeds = []
    if database_ok:
        with db().session() as s:
            feeds = [
                {"name": f.name, "status": f.status.value, "age_s": None if f.age_s is None else round(f.age_s),
                 "last_success": f.last_success_at.isoformat() if f.last_success_at else None,
                 "last_error": f.last_error}
                for f in feed_health(s, build_sources(settings()))
            ]
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": {"status": "ok" if database_ok else "error", "backend": db().engine.dialect.name},
        "scheduler": "on" if settings().scheduler else "off",
        "pollers": feeds,
    }
    response = jsonify(body)
    response.status_code = 200 if database_ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
