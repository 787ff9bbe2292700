"""Bearer tokens on the API: `require_scope("store:write")` authenticates the request, checks
the scope, rate-limits per token and sets the acting user (`acting_user()`); `acting_store()` is
the store a vendor operation works on (her own, or the one a facilitator names).

Only the Authorization header counts: a browser's session cookie never authenticates an API
call (so the API needs no CSRF token).
"""

import hashlib
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from marketplace.errors import NotFound, PermissionDenied, Unauthenticated
from marketplace.extensions import db, limiter
from marketplace.models import Store
from marketplace.services import programme, staff, users

REALM = 'Bearer realm="Pasar Mandiri API"'
#: Request header naming the store (its id) a facilitator (pendamping) acts for.
STORE_HEADER = "Acting-Store"


def bearer_secret() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def rate_limit_key() -> str:
    """One bucket per token (its hash: no database read), else per address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return get_remote_address()


class InsufficientScope(PermissionDenied):
    def __init__(self, scope: str):
        super().__init__(_("This API token does not have the scope %(scope)s.", scope=scope))
        self.headers = {"WWW-Authenticate": f'{REALM}, error="insufficient_scope", '
                                            f'scope="{scope}"'}


def require_scope(scope: str):
    """The view needs a live token with `scope`; its person is the acting user."""

    def decorate(view):
        limited = limiter.shared_limit(lambda: current_app.config["API_TOKEN_RATE_LIMIT"],
                                       scope="api-token", key_func=rate_limit_key)(view)

        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                token = users.authenticate_token(bearer_secret(), request.remote_addr)
            except Unauthenticated as exc:
                exc.headers = {"WWW-Authenticate": REALM + (', error="invalid_token"'
                                                            if exc.invalid else "")}
                raise
            db.session.commit()  # the last use stands, whatever the request does next
            if scope not in token.scope_list:
                raise InsufficientScope(scope)
            g.api_token = token
            staff.acting_via.set(f"API: {token.name}"[:100])
            return limited(*args, **kwargs)

        guarded.api_scope = scope
        return guarded

    return decorate


def acting_user():
    """The person the current API request acts as (the token's owner)."""
    return g.api_token.user


def acting_store() -> Store:
    """The store a vendor operation works on: the one the Acting-Store header named (already
    checked), else the acting user's own.

    :raises NotFound: no header, and she has no store of her own.
    """
    store = g.get("acting_store") or programme.store_to_work_on(acting_user(), None)
    if store is None:
        raise NotFound(_("This account has no store yet. A facilitator names the store she "
                         "acts for in the %(header)s header.", header=STORE_HEADER))
    return store
