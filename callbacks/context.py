"""Per-request access to the platform: settings, database and the signed-in principal.

Nothing here is cached in module globals: everything hangs off the Flask app and the
request, so several workers and several test apps stay independent.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from config.settings import Settings
from data.access import Principal
from data.db import Database

EXTENSION_KEY = "td_platform"


@dataclass(frozen=True)
class PlatformContext:
    settings: Settings
    db: Database


def platform() -> PlatformContext:
    return current_app.extensions[EXTENSION_KEY]


def db() -> Database:
    return platform().db


def settings() -> Settings:
    return platform().settings


def current_principal() -> Principal | None:
    """The signed-in principal, or None without a session."""
    if not current_user or not current_user.is_authenticated:
        return None
    return current_user.principal
