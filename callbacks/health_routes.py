"""GET /healthz: machine-readable status for load balancers and the acceptance probes."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from callbacks.context import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    database_ok = db().ping()
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": {"status": "ok" if database_ok else "error", "backend": db().engine.dialect.name},
    }
    response = jsonify(body)
    response.status_code = 200 if database_ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
