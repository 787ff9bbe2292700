"""Money is integer rupiah, formatted by Babel and converted for Stripe in one place."""

import pytest

from marketplace.errors import ValidationError
from marketplace.money import format_rupiah, parse_rupiah, to_stripe_amount


def test_format_rupiah_in_both_languages():
    assert format_rupiah(25000) == "Rp25.000"
    assert format_rupiah(1_500_000, "en") == "Rp1,500,000"
    assert format_rupiah(0) == "Rp0"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        format_rupiah(2500.0)


@pytest.mark.parametrize("text,value", [("25000", 25000), ("25.000", 25000),
                                        ("Rp 25.000", 25000), (" rp1.500.000 ", 1500000)])
def test_parse_what_sellers_type(app, text, value):
    assert parse_rupiah(text) == value


@pytest.mark.parametrize("text", ["", "25,5", "abc", "-100", "1e5"])
def test_parse_rejects_junk(app, text):
    with app.test_request_context(), pytest.raises(ValidationError):
        parse_rupiah(text)


def test_stripe_amount_for_idr_has_two_decimals():
    assert to_stripe_amount(150_000) == 15_000_000
