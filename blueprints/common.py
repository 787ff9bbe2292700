"""Helpers every area uses: role decorators, safe redirects, domain errors onto forms."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from marketplace.errors import ValidationError
from marketplace.permissions import is_admin, is_staff


def _role_required(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = _role_required(is_staff)
admin_required = _role_required(is_admin)


def safe_next(default_endpoint: str = "main.home") -> str:
    """The ?next= target if it is a path on this site, else the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not parts.scheme and not parts.netloc):
        return target
    return url_for(default_endpoint)


def redirect_next(default_endpoint: str = "main.home"):
    return redirect(safe_next(default_endpoint))


def show_errors(form, exc: ValidationError) -> None:
    """Put a service's validation messages on the matching form fields (or flash them)."""
    errors = exc.errors or {None: exc.message}
    for field_name, message in errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(message)]
        else:
            flash(str(message), "error")
