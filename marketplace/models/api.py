"""API access: personal and service tokens (stored hashed) and the answers to idempotent POSTs."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.stores import str_enum
from marketplace.models.users import User


class ApiTokenKind(enum.StrEnum):
    #: A person's own token: acts as that person, within the scopes she chose.
    PERSONAL = "personal"
    #: A ministry system's token, created by an admin; acts as that admin within its scopes.
    SERVICE = "service"


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is kept: the secret is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ApiTokenKind] = mapped_column(str_enum(ApiTokenKind, 10))
    #: Who the token acts as: its owner (personal) or the admin who created it (service).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the owner calls it ("Aplikasi kasir", "SIKS-NG Kemensos"); shown in the audit log.
    name: Mapped[str] = mapped_column(String(80))
    #: The first characters of the secret, so a person can tell her tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Space-separated scopes, e.g. "catalog:read store:write".
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.kind}>"


class IdempotentRequest(db.Model):
    """The first answer to a POST with an Idempotency-Key, replayed for a repeat of it."""

    __tablename__ = "api_idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    #: "POST /api/v1/vendor/products": the same key on another operation is another request.
    operation: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the body: the same key with a different body is refused (422).
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotent_requests_key"),)
