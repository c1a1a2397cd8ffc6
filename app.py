"""The T-D coordination platform: `create_app(settings)` builds Flask + login + Dash.

`python app.py` serves it on 127.0.0.1:$PORT (default 8050), migrating the database and
loading the demo grid on first start. Production: `gunicorn -w 4 'app:create_server()'`.
"""
from __future__ import annotations

import logging

import dash
from dash import html
from flask import Flask
from flask_compress import Compress

from callbacks.auth import current_principal, init_login
from callbacks.context import EXTENSION_KEY, PlatformContext, db
from components.login_page import PRODUCT_NAME
from components.shell import shell
from config.settings import PROJECT_ROOT, Settings, load_settings
from data.db import Database
from data.services.accounts import preferences

log = logging.getLogger("td_platform")

VENDOR_STYLESHEETS = [
    "/assets/vendor/bootstrap.min.css",
    "/assets/vendor/bootstrap-icons/bootstrap-icons.min.css",
]


def _prepare_database(settings: Settings) -> Database:
    database = Database.connect(settings.database_url)
    database.migrate(settings.instance_dir)
    if settings.demo:
        from data.demo.generator import ensure_demo

        summary = ensure_demo(
            database, ders=settings.demo_ders, seed=settings.demo_seed, password=settings.demo_password
        )
        if summary is not None:
            log.info("demo grid loaded: %s", summary)
        from data.demo.mv_history import ensure_mv_history

        ensure_mv_history(database, seed=settings.demo_seed)  # M&V history so /performance has numbers
    return database


def _configure_server(server: Flask, settings: Settings) -> None:
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token is bound to the session; a login form left open still works
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/json", "application/javascript"],
        COMPRESS_MIN_SIZE=1024,
    )


def layout() -> html.Div:
    """Built per request, so the navbar shows what this user may open."""
    principal = current_principal()
    if principal is None:  # the request gate answers 401 before this; never render for nobody
        return html.Div()
    with db().session() as s:
        prefs = preferences(s, principal)
    return shell(principal, prefs.theme, prefs.wall_mode)


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = Flask(__name__)
    _configure_server(server, settings)
    server.extensions[EXTENSION_KEY] = PlatformContext(settings=settings, db=_prepare_database(settings))

    from callbacks import health_routes, session_routes

    init_login(server)
    server.register_blueprint(session_routes.bp)
    server.register_blueprint(health_routes.bp)
    session_routes.limiter.init_app(server)
    Compress(server)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PROJECT_ROOT / "pages"),
        assets_folder=str(PROJECT_ROOT / "assets"),
        assets_path_ignore=["vendor", "basemap"],
        external_stylesheets=VENDOR_STYLESHEETS,
        serve_locally=True,
        suppress_callback_exceptions=True,  # layouts are built per user
        title=PRODUCT_NAME,
        update_title=None,
    )
    app.layout = layout
    import callbacks  # noqa: F401  (registers every callback)

    if settings.scheduler:
        _start_pollers(server, settings)
    return app


def _start_pollers(server: Flask, settings: Settings) -> None:
    """Every process is a candidate; exactly one leads (data/pollers/leader.py)."""
    import atexit

    from data.pollers.scheduler import PollerService

    service = PollerService(server.extensions[EXTENSION_KEY].db, settings)
    service.start()
    server.extensions["td_pollers"] = service
    atexit.register(service.shutdown)


def create_server() -> Flask:
    """For gunicorn: `gunicorn -w 4 -b 127.0.0.1:8050 'app:create_server()'`."""
    return create_app().server


if __name__ == "__main__":
    s = load_settings()
    create_app(s).run(host=s.host, port=s.port, debug=False)
