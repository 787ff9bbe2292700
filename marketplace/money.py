"""Money is an integer number of rupiah; this module formats and converts it, nowhere else."""

from functools import cache

from babel.numbers import get_group_symbol

from marketplace.errors import ValidationError

MIN_PRICE = 100
MAX_PRICE = 1_000_000_000


def format_rupiah(amount: int, locale: str = "id") -> str:
    """Rp25.000 in Indonesian, Rp25,000 in English: the locale's grouping, no minor unit."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"money must be an int of rupiah, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", _group_symbol(locale))


@cache
def _group_symbol(locale: str) -> str:
    """Babel's digit-group separator of the locale, looked up once: Babel's format_decimal
    (pattern #,##0, groups of three as above) costs ~15 µs a price, and a page shows dozens."""
    return get_group_symbol(locale)


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
