"""People: accounts with role flags, saved addresses, and the outgoing mail outbox."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so lookups and the unique index ignore case. None for an account a
    #: facilitator registered with a phone number only (she can add an email later).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_vendor: Mapped[bool] = mapped_column(default=False)
    is_staff: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: A programme facilitator (pendamping); their region is in FacilitatorProfile.
    is_facilitator: Mapped[bool] = mapped_column(default=False)
    #: A raw-material supplier; staff verify them in SupplierProfile before offers show.
    is_supplier: Mapped[bool] = mapped_column(default=False)
    #: A disabled account cannot log in; its history stays.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Changes with the password, so reset links and old sessions stop working.
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Part of the id every session and remember cookie carries: raising it (logout, a new
    #: password, staff ending her sessions) makes every cookie issued before it anonymous.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    addresses: Mapped[list["Address"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Address.id.desc()"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login stores in the session and remember cookies (see `session_user`)."""
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> list[str]:
        flags = [("vendor", self.is_vendor), ("staff", self.is_staff), ("admin", self.is_admin),
                 ("facilitator", self.is_facilitator), ("supplier", self.is_supplier)]
        return ["buyer"] + [name for name, on in flags if on]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email or self.phone}>"


class Address(db.Model):
    """A shipping address a buyer saved at checkout, offered again next time."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(2))
    regency: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="addresses")


class OutboxMessage(db.Model):
    """Every email, recorded in the same transaction as the change that caused it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set once handed to SMTP (or written to the log when no SMTP server is configured).
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
