"""What signing in and out does to this browser's cookies (the account's side is
`accounts.end_sessions`)."""

from flask import current_app, request, session
from flask_login import login_user, logout_user


def end_browser_session() -> None:
    """Forget everything this browser's session held, not only who is logged in (a
    facilitator's chosen store, a cart), and delete its remember cookie."""
    session.clear()
    logout_user()


def sign_in_again(user) -> None:
    """Sign this browser in under the account's new session version (after a new password,
    which ended every session), keeping its remember cookie if it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)
