"""HTTP caching for public pages: ETag, Last-Modified, Cache-Control, and 304 answers."""

from datetime import datetime

from flask import make_response, request, session
from flask_login import current_user

#: Anonymous pages may be kept by browsers and shared caches this long (seconds).
PUBLIC_MAX_AGE = 60


def cached_page(html: str, last_modified: datetime | None = None, status: int = 200):
    """Answer with `html`, or 304 when the client's copy (ETag or date) is still current.

    The page varies by language and by login (the header shows the account), and the app
    already sends `Vary: Cookie, Accept-Language`. Pages for a signed-in user, or that set a
    cookie (a session, a language choice), are private to that browser; others are public.
    """
    response = make_response(html, status)
    if status != 200:
        return response
    response.add_etag()  # strong ETag of the exact bytes: language and login are in them
    if last_modified is not None:
        response.last_modified = last_modified
    # Flask-Login reads the session on every request, so "accessed" says nothing; a session
    # with content (or a new one) means a cookie goes out with this answer.
    personal = (current_user.is_authenticated or session.modified or bool(session)
                or "lang" in request.args)
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
