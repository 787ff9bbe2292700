"""Helpers every area uses: role decorators, safe redirects, domain errors onto forms, the one
shape of a form view (`submit`), and the one parser for whole numbers and dates in query and
form values."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
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


def submit(form, action: Callable, *, done, next_url, page: Callable):
    """The one shape of a form view. A valid submission (CSRF included) runs `action()`, the
    service call: a ValidationError from it rolls back, puts its messages on the form and shows
    `page(422)`; otherwise the request commits, flashes `done` and redirects to `next_url`.
    A GET shows `page(200)`, an invalid submission `page(422)`.

    `done` and `next_url` may be functions of the action's result, for a message that names
    what was made or the page of a new object. `next_url` runs after the commit and may return
    a finished response instead of a URL (a download, a cookie); `done=None` flashes nothing.
    `page(status)` returns the response; `template_page` makes the usual one."""
    if form.validate_on_submit():
        try:
            result = action()
        except ValidationError as exc:
            db.session.rollback()  # nothing half-written is shown or kept
            show_errors(form, exc)
            return page(422)
        db.session.commit()
        target = next_url(result) if callable(next_url) else next_url
        message = done(result) if callable(done) else done
        if message is not None:
            flash(message, "success")
        return target if isinstance(target, Response) else redirect(target)
    return page(422 if form.is_submitted() else 200)


def act(action: Callable, *, done, next_url: str, failed_url: str, failed_status: int = 302):
    """A button that changes one thing and goes back, with no form page to show again (the
    view has checked its form): a ValidationError from `action()` rolls back and is flashed at
    `failed_url`; otherwise the request commits, flashes `done` (or `done(result)`) and
    redirects to `next_url`."""
    try:
        result = action()
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(failed_url, failed_status)
    db.session.commit()
    flash(done(result) if callable(done) else done, "success")
    return redirect(next_url)


def template_page(template: str, **context) -> Callable:
    """`page` for `submit`: the template with this context, at the status it is given. The
    context is built when the view calls this; a list read from the database belongs in a
    `page` function, so it is read only when the page is shown (after a rollback)."""
    return lambda status: (render_template(template, **context), status)


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
