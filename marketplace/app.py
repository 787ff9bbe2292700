"""The application factory: a short list of wiring steps."""

import gc
import importlib
import ipaddress
import logging
import os
from functools import wraps

from flask import Flask, abort, g, jsonify, render_template, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    refresh,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import FileSystemBytecodeCache
from prometheus_client import CollectorRegistry
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

from marketplace import permissions, schema_migrations
from marketplace.config import INSTANCE, ROOT, Config
from marketplace.database import set_write_intent
from marketplace.errors import DomainError
from marketplace.extensions import babel, cache, csrf, db, limiter, login_manager
from marketplace.money import format_rupiah
from marketplace.regions import province_name
from marketplace.services import staff, users
from marketplace.validation import db_int

BLUEPRINTS = (
    "main", "auth", "account", "catalog", "vendor", "shop", "webhooks", "staff", "media", "api",
    "pendamping",
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: object | dict | None = None) -> Flask:
    """Build the app; `config` is a Config object or a dict of overrides (tests)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.from_object(Config())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    logging.basicConfig(level=logging.INFO)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def ready_to_serve(app: Flask) -> Flask:
    """Put the objects made while building the app out of the garbage collector's reach.

    They live as long as the worker, yet every full collection would scan all of them again
    (~170,000): a request that makes many objects, such as a dashboard reading 10,000 rows,
    sets one off and spent 80 ms there on its first run. Garbage left by the start-up is
    collected first, so none of it is kept for good.
    """
    gc.collect()
    gc.freeze()
    return app


def register_extensions(app: Flask) -> None:
    from blueprints.i18n import select_locale  # the web layer's; imported with the app

    db.init_app(app)
    schema_migrations.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    if not app.config.get("CACHE_TYPE"):
        app.config["CACHE_TYPE"] = ("marketplace.cache_backend.ResilientRedisCache"
                                    if app.config.get("CACHE_REDIS_URL") else
                                    "SimpleCache" if app.testing else "FileSystemCache")
    cache.init_app(app)
    register_metrics(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        return users.session_user(session_id)


class IdConverter(BaseConverter):
    """`<int:...>` limited to what an INTEGER column holds: a larger id is a 404, never a
    database overflow (PostgreSQL's int4 ends at 2^31 - 1)."""

    regex = r"\d+"
    weight = 50

    def to_python(self, value: str) -> int:
        number = db_int(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register_converters(app: Flask) -> None:
    # Replaces the built-in `int`, so every route (and every future one) is range-checked.
    app.url_map.converters["int"] = IdConverter
def register_metrics(app: Flask) -> None:
    """/metrics in Prometheus format, answered only to METRICS_ALLOWED addresses (else 404)."""
    allowed = [ipaddress.ip_network(net.strip(), strict=False)
               for net in app.config["METRICS_ALLOWED"].split(",") if net.strip()]

    def only_allowed(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                client = ipaddress.ip_address(request.remote_addr or "")
            except ValueError:
                abort(404)
            if not any(client in net for net in allowed):
                abort(404)  # not 403: the endpoint is not advertised to the public
            return view(*args, **kwargs)
        return guarded

    # Under gunicorn each worker is a process: they share their samples through files in
    # PROMETHEUS_MULTIPROC_DIR, and any worker answers /metrics for all of them.
    cls = (GunicornInternalPrometheusMetrics if os.environ.get("PROMETHEUS_MULTIPROC_DIR")
           else PrometheusMetrics)
    metrics = cls(app, registry=CollectorRegistry(), metrics_decorator=only_allowed,
                  group_by="endpoint", excluded_paths=["^/static/", "^/media/", "^/metrics"])
    metrics.info("pasar_mandiri_info", "Pasar Mandiri application", version="0.1.0")
    limiter.exempt(app.view_functions["prometheus_metrics"])


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINTS:
        module = importlib.import_module(f"blueprints.{name}")
        app.register_blueprint(module.bp)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/healthz"))


def _error_response(status: int, message: str, errors: dict | None = None):
    if _wants_json():
        body = {"error": str(message)}
        if errors:
            body["errors"] = {k: str(v) for k, v in errors.items()}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_errorhandlers(app: Flask) -> None:
    messages = {
        400: lambda: _("The request was not understood. Please check and try again."),
        403: lambda: _("You are not allowed to open this page."),
        404: lambda: _("We could not find that page. It may have been moved or removed."),
        405: lambda: _("That action is not possible on this page."),
        413: lambda: (_("The request body is too large.") if request.path.startswith("/api/")
                      else _("The file is too large. The limit is 10 MB.")),
        429: lambda: _("Too many attempts. Please wait a few minutes and try again."),
        500: lambda: _("Something went wrong on our side. Please try again in a moment."),
    }

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        body, status = _error_response(status, messages.get(status, lambda: exc.description)())
        # A 405 says which methods the URL does take (RFC 9110), on pages and the API alike.
        allowed = getattr(exc, "valid_methods", None)
        return body, status, {"Allow": ", ".join(allowed)} if allowed else {}

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _error_response(
            400, _("This form has expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        body, status = _error_response(exc.status_code, exc.message,
                                       getattr(exc, "errors", None))
        # e.g. the API's WWW-Authenticate on a 401 or a missing scope
        return body, status, getattr(exc, "headers", None) or {}

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(exc: PoolTimeout):
        # Raised when a request first asks for a connection, so nothing of it was written.
        db.session.rollback()
        body, status = _error_response(503, _("The site is very busy right now. Please try "
                                              "again in a few seconds."))
        return body, status, {"Retry-After": str(app.config["DB_POOL_RETRY_AFTER"])}

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return _error_response(500, messages[500]())


def register_request_hooks(app: Flask) -> None:
    from blueprints.i18n import LANG_COOKIE, requested_language

    @app.before_request
    def refuse_nul_bytes():
        """NUL in the path, query or form: PostgreSQL cannot store it, so no view sees it."""
        fields = (*request.args.items(multi=True), *request.form.items(multi=True))
        # A multipart part without a name arrives with the key None.
        if "\x00" in request.path or any("\x00" in (k or "") + (v or "") for k, v in fields):
            return _error_response(400, _("The request contains a character that is not "
                                          "allowed. Please check and try again."))
        return None

    @app.before_request
    def remember_request() -> None:
        set_write_intent(request.method not in ("GET", "HEAD", "OPTIONS"))
        refresh()  # the locale is chosen per request, never carried over from a previous one
        staff.acting_ip.set(request.remote_addr)
        staff.acting_via.set(None)  # the API's token check sets it for its own requests
        lang = requested_language()
        if lang is not None and lang not in app.config["LANGUAGES"]:
            return _error_response(400, _("That language is not available. Choose Bahasa "
                                          "Indonesia or English."))
        if lang and current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
        return None

    @app.after_request
    def finish_response(response):
        lang = requested_language()
        if lang in app.config["LANGUAGES"]:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True,
                                samesite="Lax", secure=request.is_secure)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "text/html":
            headers.add("Vary", "Cookie")
            headers.add("Vary", "Accept-Language")
        return response

    @app.teardown_appcontext
    def forget_request(_exc) -> None:
        g.pop("cart", None)


def _translations():
    """The catalog of the locale in force, found once per request and locale: Flask-Babel's
    own template gettext looks up domain, locale and catalog on every string (~8 us; a page
    translates ~30)."""
    locale = get_locale()
    found = g.get("translations")
    if found is None or found[0] is not locale:  # force_locale() switches it, e.g. for mail
        found = g.translations = (locale, get_translations())
    return found[1]


def register_template_helpers(app: Flask) -> None:
    if app.config["TEMPLATE_CACHE_DIR"]:
        os.makedirs(app.config["TEMPLATE_CACHE_DIR"], exist_ok=True)
        # Keyed by each template's source, so an edited template is compiled again.
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(app.config["TEMPLATE_CACHE_DIR"])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # Templates ask the same permission rules as the services (e.g. which menu to show).
    app.jinja_env.globals.update(can=permissions.can, is_staff=permissions.is_staff,
                                 is_admin=permissions.is_admin,
                                 is_facilitator=permissions.is_facilitator)

    @app.template_filter("rupiah")
    def rupiah(amount: int) -> str:
        return format_rupiah(amount, str(get_locale() or "id"))

    @app.template_filter("jakarta")
    def jakarta(value, fmt: str = "medium") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("date")
    def date_filter(value, fmt: str = "medium") -> str:
        return format_date(value, fmt) if value else ""

    @app.template_filter("rating")
    def rating(value: float) -> str:
        """A star average with one decimal in the reader's locale ("4,5" in Indonesian)."""
        return format_decimal(value, "0.0")

    @app.context_processor
    def globals_for_templates() -> dict:
        def lang_url(code: str) -> str:
            args = request.args.to_dict()
            args["lang"] = code
            from urllib.parse import urlencode

            return f"{request.path}?{urlencode(args)}"

        return {
            "current_locale": str(get_locale() or "id"),
            "lang_url": lang_url,
            "province_name": province_name,
        }


def register_commands(app: Flask) -> None:
    from marketplace.cli import register

    register(app)
