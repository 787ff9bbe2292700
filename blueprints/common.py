"""Helpers every area uses: role decorators, safe redirects, domain errors onto forms, and
the one parser for whole numbers and dates in query and form values."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField as _DateField
from wtforms import IntegerField as _IntegerField

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.permissions import is_admin, is_staff
from marketplace.validation import MAX_INT, db_int, is_sane_date


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


def int_arg(name: str, default: int | None = None, *, values=None, minimum: int = 1,
            maximum: int = MAX_INT) -> int | None:
    """A whole number from the query string (or `values`, e.g. request.form): absent or blank
    gives `default`; anything that is not a number in [minimum, maximum] is a 400, so a huge
    page or id never reaches the database."""
    raw = (request.args if values is None else values).get(name, "").strip()
    if not raw:
        return default
    number = db_int(raw)
    if number is None or not minimum <= number <= maximum:
        abort(400)
    return number


def paginate(query, per_page: int):
    """One page of `query`, the page number read by int_arg (a huge one is a 400)."""
    return db.paginate(query, page=int_arg("page", 1), per_page=per_page, error_out=False)


class IntegerField(_IntegerField):
    """WTForms' IntegerField, refusing numbers an INTEGER column cannot hold."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -MAX_INT <= self.data <= MAX_INT:
            self.data = None
            raise ValueError(_l("Enter a smaller number."))


class DateField(_DateField):
    """WTForms' DateField, refusing days so far off that they overflow (year 1, year 9999)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not is_sane_date(self.data):
            self.data = None
            raise ValueError(_l("Enter a date between 1970 and 2999."))
