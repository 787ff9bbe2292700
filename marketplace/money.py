"""Money is an integer number of rupiah; this module formats and converts it, nowhere else."""

from functools import lru_cache

from babel.numbers import format_decimal

from marketplace.errors import ValidationError

MIN_PRICE = 100
MAX_PRICE = 1_000_000_000


def format_rupiah(amount: int, locale: str = "id") -> str:
    """Rp25.000 in Indonesian, Rp25,000 in English: the locale's grouping, no minor unit."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"money must be an int of rupiah, got {type(amount).__name__}")
    return _formatted(amount, locale)


@lru_cache(maxsize=4096)
def _formatted(amount: int, locale: str) -> str:
    # Cached: a listing page shows 24 prices and Babel takes ~0.1 ms for each; the same
    # prices come back on page after page.
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{format_decimal(abs(amount), format='#,##0', locale=locale)}"


def parse_rupiah(text: str, field: str = "price") -> int:
    """Accept what sellers type: 25000, 25.000, Rp 25.000; reject decimals and junk."""
    cleaned = str(text).strip().upper().removeprefix("RP").strip().replace(".", "")
    cleaned = cleaned.replace(" ", "")
    if not cleaned.isdigit():
        from flask_babel import gettext as _

        raise ValidationError(_("Enter a whole number of rupiah, e.g. 25000."), field=field)
    return int(cleaned)


def to_stripe_amount(rupiah: int) -> int:
    """Stripe treats IDR as a two-decimal currency: Rp150.000 is 15000000."""
    return rupiah * 100


def from_stripe_amount(amount: int) -> int:
    return amount // 100
