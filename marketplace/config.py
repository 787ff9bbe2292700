"""Configuration: embedded defaults for a local run, overridden by the environment."""

import os
import secrets
from pathlib import Path

_BUNDLED = Path(__file__).resolve().parent / "_resources"
#: Templates, static files, catalogs and migrations: bundled inside an installed wheel (see
#: setup.py), else the source tree. An installed app keeps its instance folder in the cwd.
ROOT = _BUNDLED if _BUNDLED.is_dir() else Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_DIR",
                               Path.cwd() / "instance" if ROOT is _BUNDLED else ROOT / "instance"))
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
    #: A streaming replica for the heavy read-only pages (programme and sales dashboards).
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL")
    #: Connections per process: a request holds one for its duration, so size the pool to the
    #: threads a process serves. When all are busy a request waits DB_POOL_TIMEOUT seconds and
    #: then gets 503 with Retry-After before it has written anything.
    DB_POOL_SIZE = _int_env("DB_POOL_SIZE", 5)
    DB_MAX_OVERFLOW = _int_env("DB_MAX_OVERFLOW", 10)
    DB_POOL_TIMEOUT = _int_env("DB_POOL_TIMEOUT", 10)
    DB_POOL_RETRY_AFTER = _int_env("DB_POOL_RETRY_AFTER", 5)
    #: Redis for shared rate limits, cache and the job queue; unset: all in this process.
    REDIS_URL = os.environ.get("REDIS_URL")
    #: Run background jobs synchronously where they are queued (tests only).
    JOBS_INLINE = False
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(INSTANCE / "media"))
    #: Uploads only some people may see (transfer proofs, exports); never served by nginx.
    MEDIA_PRIVATE_DIR = os.environ.get("MEDIA_PRIVATE_DIR", str(INSTANCE / "private"))
    #: S3-compatible object storage for both areas (prefixes public/ and private/ of a bucket
    #: that is not public); credentials from MEDIA_S3_ACCESS_KEY/SECRET_KEY or boto3's chain.
    MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET")
    MEDIA_S3_ENDPOINT = os.environ.get("MEDIA_S3_ENDPOINT")
    MEDIA_S3_REGION = os.environ.get("MEDIA_S3_REGION", "us-east-1")
    MEDIA_S3_ACCESS_KEY = os.environ.get("MEDIA_S3_ACCESS_KEY")
    MEDIA_S3_SECRET_KEY = os.environ.get("MEDIA_S3_SECRET_KEY")
    #: Seconds a signed URL to a private object stays valid.
    MEDIA_SIGNED_URL_SECONDS = _int_env("MEDIA_SIGNED_URL_SECONDS", 300)
    SERVER_NAME = os.environ.get("SERVER_NAME")
    #: Host and port that links in email point at while SERVER_NAME is unset: the local run
    #: (`make run PORT=...` passes its own).
    LOCAL_SERVER_NAME = os.environ.get("LOCAL_SERVER_NAME", "127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Flask-Login's check of the browser's address and user agent: "basic" marks a session seen
    # from elsewhere as not fresh. "strong" would log out every phone whose mobile-data address
    # changes (most of them, many times a day); ending sessions is done with the session version.
    SESSION_PROTECTION = "basic"
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

    #: Shared by the worker processes: Redis when a URL is given, else files in the instance
    #: folder (an in-process cache would let one worker serve a page another has invalidated).
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL")
    CACHE_DIR = os.environ.get("CACHE_DIR", str(INSTANCE / "cache"))
    CACHE_THRESHOLD = 20_000
    #: Compiled templates, kept across worker restarts: compiling the five templates of a
    #: dashboard cost a new worker ~200 ms on its first request. Empty: compile in memory only.
    TEMPLATE_CACHE_DIR = os.environ.get("TEMPLATE_CACHE_DIR", str(INSTANCE / "templates"))
    CACHE_KEY_PREFIX = "pm:"

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get(
        "REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # With Redis down, limits fall back to this process's memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 15 minutes")
    #: Failed logins to one account from one IP (an attacker locks out only themselves).
    LOGIN_LIMIT_PER_ACCOUNT_IP = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_IP", "5 per 15 minutes")
    #: Failed logins to one account from all IPs together: slow enough for a distributed guess.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "50 per hour")
    REGISTER_LIMIT = os.environ.get("REGISTER_LIMIT", "10 per hour")
    #: Requests per API token (all operations together).
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "600 per minute")
    #: The largest JSON body the API reads (a bulk price list of 500 rows is ~60 KB).
    API_MAX_JSON_BYTES = _int_env("API_MAX_JSON_BYTES", 256 * 1024)
    #: How many reverse proxies (nginx, a load balancer) stand in front of the app: ProxyFix
    #: then takes the client's IP and scheme from that many X-Forwarded-* hops. 0: none.
    TRUSTED_PROXIES = _int_env("TRUSTED_PROXIES", 0)

    #: Networks (comma-separated CIDR) that may read /metrics; everyone else gets a 404.
    METRICS_ALLOWED = os.environ.get("METRICS_ALLOWED", "127.0.0.1/32,::1/128")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")

    #: Key of the HMAC-SHA256 under which NIKs (PKH roster, store owners) are kept. No default:
    #: without it the roster import and NIK matching refuse to run (503) rather than hash under
    #: a guessable key. Only `make run` supplies a demo key (see the Makefile). Changing it
    #: orphans every stored hash: the roster must then be imported again.
    NIK_HASH_KEY = os.environ.get("NIK_HASH_KEY")

    #: Hours an unpaid card or transfer order keeps its stock before it expires.
    UNPAID_ORDER_TTL_HOURS = _int_env("UNPAID_ORDER_TTL_HOURS", 24)

    def __init__(self) -> None:
        if "PAGE_CACHE_SECONDS" in os.environ:  # 0 switches the page cache off
            self.PAGE_CACHE_SECONDS = int(os.environ["PAGE_CACHE_SECONDS"])
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _persisted_secret_key()
        self.BABEL_TRANSLATION_DIRECTORIES = _translation_directories()
        if self.SQLALCHEMY_DATABASE_URI not in ("sqlite://", "sqlite:///:memory:"):
            self.SQLALCHEMY_ENGINE_OPTIONS = {
                **self.SQLALCHEMY_ENGINE_OPTIONS, "pool_size": self.DB_POOL_SIZE,
                "max_overflow": self.DB_MAX_OVERFLOW, "pool_timeout": self.DB_POOL_TIMEOUT}
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
        if self.PREFERRED_URL_SCHEME == "https":
            self.SESSION_COOKIE_SECURE = True
            self.REMEMBER_COOKIE_SECURE = True
