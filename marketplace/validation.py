"""Field rules shared by services: email, Indonesian phone numbers, passwords."""

import unicodedata
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from marketplace.errors import ValidationError

COMMON_PASSWORDS = frozenset(
    {
        "12345678", "123456789", "1234567890", "password", "password1", "qwerty123",
        "iloveyou", "11111111", "00000000", "abcd1234", "indonesia", "bismillah",
        "sayang123", "rahasia123", "admin123", "qwertyuiop", "passw0rd", "jakarta123",
    }
)

#: The largest number an INTEGER column holds on PostgreSQL (int4): ids, amounts, counts.
MAX_INT = 2**31 - 1
#: Days the site can deal in: year 1 or 9999 overflow once shifted between Jakarta and UTC.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(2999, 12, 31)


def db_int(text: str) -> int | None:
    """`text` as a number if it is plain digits that fit an INTEGER column, else None (so it
    never reaches the database, and int() never sees 4,300+ digits)."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_INT)):
        return None
    number = int(text)
    return number if number <= MAX_INT else None


def is_sane_date(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def canonical_email(value: str | None) -> str:
    """The one spelling of an address that is stored and looked up: NFKC (full-width
    `ｐｅｍｂｅｌｉ@contoh.id` is `pembeli@contoh.id`), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def normalise_email(value: str, field: str = "email") -> str:
    """:raises ValidationError: not an email address."""
    try:
        result = validate_email(canonical_email(value), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(_("Enter a valid email address."), field=field) from exc
    return canonical_email(result.normalized)


def normalise_phone(value: str, field: str = "phone") -> str:
    """An Indonesian number in E.164 (+62...), from 0812..., 62812... or +62 812-...."""
    try:
        number = phonenumbers.parse((value or "").strip(), "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid Indonesian phone number."), field=field) from exc
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid Indonesian phone number."), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_password_strength(password: str, email: str = "", field: str = "password") -> None:
    """At least 8 characters, with letters and digits, not a well-known or personal one."""
    password = password or ""
    if len(password) < 8:
        raise ValidationError(_("Use at least 8 characters."), field=field)
    if len(password) > 128:
        raise ValidationError(_("Use at most 128 characters."), field=field)
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise ValidationError(_("Use both letters and numbers."), field=field)
    local_part = email.split("@")[0].lower()
    if password.lower() in COMMON_PASSWORDS or (local_part and local_part in password.lower()):
        raise ValidationError(_("This password is too easy to guess."), field=field)


def clean_text(value: str | None, max_length: int, field: str, required: bool = True) -> str:
    """Trimmed text within a length; control characters other than newlines removed."""
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise ValidationError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationError(
            _("Use at most %(n)d characters.", n=max_length), field=field
        )
    return text
