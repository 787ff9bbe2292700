"""HTTP caching for public pages: the anonymous page cache, ETag, Last-Modified, Cache-Control,
and 304 answers.

A page an anonymous visitor sees is the same for every anonymous visitor in the same language,
so `page_cache` keeps it rendered (Flask-Caching, shared by the workers) under the catalogue
version (`discovery.catalog_version`): a committed change to a product, variant, image, store,
category, featured slot or review starts a new version, so the next request renders afresh.
The one per-visitor part of such a page, the CSRF token of its forms, is left as a marker in
the cached copy and filled in for each answer. `PAGE_CACHE_SECONDS = 0` switches it off.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import TypeVar

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from blueprints.catalog import bp
from marketplace import versions
from marketplace.extensions import cache
from marketplace.services.catalog import CATALOG, catalog_version
from marketplace.versions import caching_on

#: Anonymous pages may be kept by browsers and shared caches this long (seconds).
PUBLIC_MAX_AGE = 60
#: Stands for the visitor's CSRF token in a cached page (never sent as it is).
CSRF_MARK = "\x00csrf-token\x00"
#: Session keys that make a page personal: a signed-in user, or messages to show once.
_PERSONAL_KEYS = ("_user_id", "_flashes")

T = TypeVar("T")


def page_cache_seconds() -> int:
    """How long anonymous pages are kept; 0 (the default under tests) means not at all."""
    return current_app.config.get("PAGE_CACHE_SECONDS", 0 if current_app.testing else 60)


def _page_key() -> str | None:
    """The cache key of this request's page, or None when it must not come from the cache."""
    if request.method not in ("GET", "HEAD") or "lang" in request.args:
        return None
    if any(key in session for key in _PERSONAL_KEYS):
        return None
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return None
    if not caching_on():
        return None
    path = hashlib.blake2b(request.full_path.encode(), digest_size=16).hexdigest()
    return f"page:{get_locale()}:{catalog_version()}:{path}"


def shared_answer(key: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept for every visitor in the language (it must hold nothing personal)
    under the catalogue version, as long as anonymous pages are; computed each time when the
    page cache is off."""
    return versions.cached(f"shared:{get_locale()}:{key}", compute, of=(CATALOG,),
                           timeout=page_cache_seconds())


def page_cache(view):
    """Serve the view's page from the anonymous page cache when it may (see the module)."""

    @wraps(view)
    def cached_view(*args, **kwargs):
        key = _page_key()
        if key is not None:
            entry = cache.get(key)
            if entry is not None:
                return _answer(*entry)
        g.page_cache_key = key
        try:
            return view(*args, **kwargs)
        finally:
            g.pop("page_cache_key", None)

    return cached_view


@bp.app_template_global("csrf_token")
def csrf_token() -> str:
    """Flask-WTF's token, or its marker while a page is rendered for the page cache.

    Registered over Flask-WTF's own global and context variable (blueprints register after
    extensions), so every form on a cached page gets the visitor's token, whichever template
    draws it.
    """
    return CSRF_MARK if g.get("page_cache_key") else generate_csrf()


@bp.app_context_processor
def _csrf_token_in_context() -> dict:
    return {"csrf_token": csrf_token}


def cached_page(html: str, last_modified: datetime | None = None, status: int = 200):
    """Answer with `html`, or 304 when the client's copy (ETag or date) is still current.

    Under `page_cache` the page is also stored for the next anonymous visitor.
    """
    key = g.pop("page_cache_key", None)
    if key is not None and status == 200:
        cache.set(key, (html, last_modified), timeout=page_cache_seconds())
    return _answer(html, last_modified, status)


def _answer(html: str, last_modified: datetime | None, status: int = 200):
    """The response for a page, with the visitor's CSRF token and HTTP caching headers.

    The page varies by language and by login (the header shows the account), and the app
    already sends `Vary: Cookie, Accept-Language`. Pages for a signed-in user, or that set a
    cookie (a session, a language choice), are private to that browser; others are public.
    """
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, generate_csrf())
    response = make_response(html, status)
    if status != 200:
        return response
    response.add_etag()  # strong ETag of the exact bytes: language and login are in them
    if last_modified is not None:
        response.last_modified = last_modified
    # Flask-Login reads the session on every request, so "accessed" says nothing; a session
    # with content (or a new one) means a cookie goes out with this answer.
    personal = (session.modified or bool(session) or "lang" in request.args
                or current_user.is_authenticated)
    if personal:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    return response.make_conditional(request)


def newest(*values: datetime | None) -> datetime | None:
    """The latest of the given timestamps (None when there are none)."""
    present = [v for v in values if v is not None]
    return max(present) if present else None
