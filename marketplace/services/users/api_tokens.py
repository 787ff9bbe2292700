"""API tokens: who may hold which scope, creating (shown once), checking and revoking them.

A token is `pm_` + 256 random bits; only its SHA-256 is stored (a keyed hash adds nothing for
a secret this long, and would make every token die with a SECRET_KEY rotation).
"""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from marketplace import permissions
from marketplace.clock import utcnow
from marketplace.errors import NotFound, PermissionDenied, Unauthenticated, ValidationError
from marketplace.extensions import db
from marketplace.models import ApiToken, ApiTokenKind, IdempotentRequest
from marketplace.services.staff import audit

TOKEN_PREFIX = "pm_"  # noqa: S105 (a public marker, so leaked tokens are recognisable)
#: Every scope, and what it lets a token do (shown on the token pages and in the API docs).
SCOPES = {
    "catalog:read": _l("Read the public catalogue"),
    "store:write": _l("Manage your store's products, prices, stock and photos"),
    "orders:write": _l("See and process your store's orders"),
    "programme:read": _l("Read programme figures (ministry)"),
    "roster:write": _l("Import the PKH graduate roster (ministry)"),
    "personal:read": _l("Read personal data (admins grant it to ministry systems only)"),
}
#: How long a new token may live, in days (the form offers these).
LIFETIMES = (30, 90, 180, 365)
#: A token's last use is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def allowed_scopes(actor, kind: ApiTokenKind) -> list[str]:
    """The scopes `actor` may put on a new token of `kind`, in SCOPES order."""
    allowed = set()
    if kind is ApiTokenKind.SERVICE:
        if permissions.is_admin(actor):
            allowed = {"catalog:read", "programme:read", "roster:write", "personal:read"}
    elif permissions.is_signed_in(actor):
        allowed.add("catalog:read")
        if actor.is_vendor or permissions.is_facilitator(actor):
            allowed |= {"store:write", "orders:write"}
        if permissions.is_staff(actor):
            allowed |= {"programme:read", "roster:write"}
    return [scope for scope in SCOPES if scope in allowed]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor, kind: ApiTokenKind, name: str, scopes: list[str],
                 days: int) -> tuple[ApiToken, str]:
    """A new token and its secret (never stored; the caller shows it once).

    :raises PermissionDenied: a service token by anyone but an admin.
    :raises ValidationError: no name, no scope, a scope the actor may not grant, a lifetime
        not offered.
    """
    if kind is ApiTokenKind.SERVICE:
        permissions.require(actor, "admin.accounts")
    elif not permissions.is_signed_in(actor):
        raise PermissionDenied()
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 80:
        errors["name"] = _("Give the token a name of up to 80 characters.")
    granted = allowed_scopes(actor, kind)
    if not scopes or any(scope not in granted for scope in scopes):
        errors["scopes"] = _("Choose at least one of the permissions offered.")
    if days not in LIFETIMES:
        errors["days"] = _("Choose one of the lifetimes offered.")
    if errors:
        raise ValidationError(errors=errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(kind=kind, user_id=actor.id, name=name, prefix=secret[:10],
                     token_hash=hash_secret(secret),
                     scopes=" ".join(s for s in SCOPES if s in scopes),
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.create", token,
                 after={"name": name, "kind": kind.value, "scopes": token.scopes,
                        "expires_at": token.expires_at})
    return token, secret


def authenticate_token(secret: str | None, ip: str | None) -> ApiToken:
    """The live token with this secret, its use noted (the caller commits).

    :raises Unauthenticated: no token, an unknown one, or one expired, revoked, or whose
        person can no longer sign in.
    """
    if not secret:
        raise Unauthenticated(_("Send an API token: Authorization: Bearer <token>."))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if (token is None or token.revoked_at is not None or token.expires_at <= now
            or not permissions.is_signed_in(token.user)):
        raise Unauthenticated(_("This API token is not valid: it is unknown, expired or "
                                "revoked."), invalid=True)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE: concurrent requests on one token do not fight over the row.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(
            last_used_at=now, last_used_ip=ip))
    return token


def tokens_of(actor) -> list[ApiToken]:
    """The actor's own personal tokens, newest first (revoked ones too, for the record)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id,
                               ApiToken.kind == ApiTokenKind.PERSONAL)
        .order_by(ApiToken.id.desc())))


def service_tokens(actor) -> list[ApiToken]:
    """Every service token, newest first.

    :raises PermissionDenied: not an admin.
    """
    permissions.require(actor, "admin.accounts")
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.kind == ApiTokenKind.SERVICE)
        .order_by(ApiToken.id.desc())))


def revoke_token(actor, token_id: int) -> ApiToken:
    """Stop a token working at once. A person revokes her own; an admin any service token.

    :raises NotFound: no such token, or not one the actor may see.
    """
    token = db.session.get(ApiToken, token_id)
    mine = token is not None and token.kind is ApiTokenKind.PERSONAL and \
        permissions.is_signed_in(actor) and token.user_id == actor.id
    service = token is not None and token.kind is ApiTokenKind.SERVICE and \
        permissions.is_admin(actor)
    if not (mine or service):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = actor.id
        audit.record(actor, "api_token.revoke", token, after={"name": token.name})
    return token


def stored_answer(token: ApiToken, key: str, operation: str,
                  fingerprint: str) -> IdempotentRequest | None:
    """The first answer to this Idempotency-Key of this token, if there was one.

    :raises ValidationError: the key was first used for another request (other body or
        operation): answered 422, and nothing is done.
    """
    first = db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.token_id == token.id, IdempotentRequest.key == key))
    if first is not None and (first.request_hash != fingerprint
                              or first.operation != operation):
        raise ValidationError(_("This Idempotency-Key was already used for another request. "
                                "Use a new key for a new request."), field="Idempotency-Key")
    return first


def remember_answer(token: ApiToken, key: str, operation: str, fingerprint: str,
                    status: int, body: str) -> None:
    """Keep the answer in the request's own transaction: it exists exactly when the change
    does (a concurrent twin fails on the unique key and is answered from this row)."""
    db.session.add(IdempotentRequest(token_id=token.id, key=key, operation=operation,
                                     request_hash=fingerprint, status_code=status,
                                     response_body=body))
    db.session.flush()
