"""Configuration: embedded defaults for a local run, overridden by the environment."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
TRANSLATIONS = ROOT / "translations"


def _persisted_secret_key() -> str:
    """A random key kept in the instance folder, so local sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _translation_directories() -> str:
    # One catalog per area (translations/<area>/<locale>/...), merged by Flask-Babel.
    return ";".join(str(p) for p in sorted(TRANSLATIONS.iterdir()) if p.is_dir())


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings for a real run; every value can come from the environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'marketplace.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(INSTANCE / "media"))
    SERVER_NAME = os.environ.get("SERVER_NAME")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Uploads are images (10 MB) and CSV files; a little room for the form around them.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # a buyer may leave the checkout open for hours on a slow phone
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    PASSWORD_RESET_MAX_AGE = 60 * 60

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int_env("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "Pasar Mandiri <no-reply@pasarmandiri.id>")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 15 minutes")
    #: Failed logins to one account from one IP (an attacker locks out only themselves).
    LOGIN_LIMIT_PER_ACCOUNT_IP = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_IP", "5 per 15 minutes")
    #: Failed logins to one account from all IPs together: slow enough for a distributed guess.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "50 per hour")
    REGISTER_LIMIT = os.environ.get("REGISTER_LIMIT", "10 per hour")
    #: How many reverse proxies (nginx, a load balancer) stand in front of the app: ProxyFix
    #: then takes the client's IP and scheme from that many X-Forwarded-* hops. 0: none.
    TRUSTED_PROXIES = _int_env("TRUSTED_PROXIES", 0)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")

    #: Hours an unpaid card or transfer order keeps its stock before it expires.
    UNPAID_ORDER_TTL_HOURS = _int_env("UNPAID_ORDER_TTL_HOURS", 24)

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _persisted_secret_key()
        self.BABEL_TRANSLATION_DIRECTORIES = _translation_directories()
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
        if self.PREFERRED_URL_SCHEME == "https":
            self.SESSION_COOKIE_SECURE = True
            self.REMEMBER_COOKIE_SECURE = True
