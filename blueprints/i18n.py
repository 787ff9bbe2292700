"""Language choice: ?lang, then the cookie, then the account, then Accept-Language; Indonesian."""

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "lang"


def requested_language() -> str | None:
    """The ?lang value if present (validated by the caller), else None."""
    return request.args.get("lang") if has_request_context() else None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for candidate in (requested_language(), request.cookies.get(LANG_COOKIE)):
        if candidate in languages:
            return candidate
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
