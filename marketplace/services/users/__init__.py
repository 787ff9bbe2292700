"""Users: accounts, sessions, profiles and API tokens.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.users.accounts import (
    ROLES,
    authenticate,
    change_password,
    create_user,
    end_sessions,
    end_sessions_for,
    find_accounts,
    find_user_by_email,
    get_account,
    register_user,
    request_password_reset,
    reset_password,
    session_user,
    update_profile,
)
from marketplace.services.users.api_tokens import (
    LIFETIMES,
    SCOPES,
    allowed_scopes,
    authenticate_token,
    create_token,
    remember_answer,
    revoke_token,
    service_tokens,
    stored_answer,
    tokens_of,
)

__all__ = [
    "LIFETIMES", "ROLES", "SCOPES", "allowed_scopes", "authenticate", "authenticate_token",
    "change_password", "create_token", "create_user", "end_sessions", "end_sessions_for",
    "find_accounts", "find_user_by_email", "get_account", "register_user", "remember_answer",
    "request_password_reset", "reset_password", "revoke_token", "service_tokens",
    "session_user", "stored_answer", "tokens_of", "update_profile",
]
