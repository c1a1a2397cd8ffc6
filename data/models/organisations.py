"""Organisations and users."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # OrgKind
    # An embedded LDC is supplied through its host LDC's feeders (tri-level chain).
    host_ldc_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(200))
    # pending: created by an application for an account, not yet approved by an administrator
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")  # OrgStatus

    host_ldc: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[host_ldc_id])


class User(TimestampMixin, Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(20), unique=True)  # ON-USR-000001
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))  # Role
    requested_role: Mapped[str | None] = mapped_column(String(20))  # pending profile change
    requested_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status_reason: Mapped[str | None] = mapped_column(String(500))  # why rejected or disabled
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(12), index=True)  # UserStatus
    wall_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    theme: Mapped[str] = mapped_column(String(8), default="light")
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])

    __table_args__ = (Index("ix_app_user_role_status", "role", "status"),)


class Notification(TimestampMixin, Base):
    """An in-app message to an organisation (or one user of it)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(12))  # Severity
    text: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_notification_org_read", "organisation_id", "read_at"),)
