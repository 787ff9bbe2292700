"""Domain errors: services raise these; the web layer turns them into 4xx with the message."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule was broken by the request; the message is for the user, already translated."""

    status_code = 400
    default_message = _l("The request could not be completed.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class ValidationError(DomainError):
    """Input failed a rule; `errors` maps field names to messages when there are several."""

    status_code = 422

    def __init__(self, message=None, *, field=None, errors: dict | None = None):
        super().__init__(message, field=field)
        self.errors = errors or ({field: self.message} if field else {})


class Unauthenticated(DomainError):
    """No credentials, or credentials that are not (or no longer) valid: an API 401."""

    status_code = 401
    default_message = _l("Sign in first.")

    def __init__(self, message=None, *, invalid: bool = False):
        super().__init__(message)
        #: Credentials were sent but are not valid (RFC 6750 `invalid_token`), not just missing.
        self.invalid = invalid


class PermissionDenied(DomainError):
    status_code = 403
    default_message = _l("You are not allowed to do that.")


class NotFound(DomainError):
    status_code = 404
    default_message = _l("That page or item does not exist.")


class Conflict(DomainError):
    status_code = 409


class InvalidTransition(Conflict):
    default_message = _l("That step is not possible for this order now.")


class OutOfStock(Conflict):
    default_message = _l("Out of stock (stok habis).")


class ServiceUnavailable(DomainError):
    """Something the action needs is not configured or not reachable; try again later."""

    status_code = 503


class PaymentError(DomainError):
    status_code = 402
    default_message = _l("The payment could not be completed. Please try again.")
