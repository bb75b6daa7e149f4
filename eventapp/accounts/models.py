import hashlib

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin
from eventapp.extensions import db


class User(UserMixin, LocalizedMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name_ko: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(5), default="ko")
    phone: Mapped[str | None] = mapped_column(String(40))
    job_title: Mapped[str | None] = mapped_column(String(100))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # Platform administrators may create events; everything else is per event.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # When the address was shown to be the person's. Only the sign-up form leaves it
    # empty, until its link is opened: the other accounts are made by organizers (an
    # invitation, the exhibitor import), the demo loader or `flask create-admin`, and an
    # invited person can only choose a password through the link mailed to the address.
    email_confirmed_at: Mapped[object | None] = mapped_column(UTCDateTime, default=utcnow)

    organization = relationship("Organization")
    event_roles = relationship("EventRole", back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self):
        return self.active

    @property
    def email_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def name(self):
        return self.localized("name") or self.email

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def session_stamp(self):
        """Changes with the password: sessions and remember-me cookies carry it
        (through `get_id`), so a new password signs out every other device."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self):
        return f"{self.id}:{self.session_stamp}"

    def __repr__(self):
        return f"<User {self.email}>"


class LoginAttempt(db.Model):
    """Failed logins, kept in the database so every worker sees the same count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
