"""Graduation counting on a fixed data set: known months above and below the income lines."""

from datetime import date

import pytest

from marketplace.errors import ValidationError
from marketplace.services.programme import indicators


@pytest.fixture
def lines(db, staff):
    """UMP for Central Java (33): Rp2.000.000 in 2025, Rp2.200.000 from 2026; poverty lines:
    Rp600.000 province-wide, Rp800.000 in Kota Pekalongan."""
    indicators.add_threshold(staff, "ump", "33", None, 2_000_000, date(2025, 1, 1),
                             date(2025, 12, 31))
    indicators.add_threshold(staff, "ump", "33", None, 2_200_000, date(2026, 1, 1))
    indicators.add_threshold(staff, "poverty_line", "33", None, 600_000, date(2024, 1, 1))
    indicators.add_threshold(staff, "poverty_line", "33", "Kota Pekalongan", 800_000,
                             date(2024, 1, 1))
    db.session.commit()


def m(year, month):
    return date(year, month, 1)


@pytest.fixture
def data(lines, make_store, monthly_net):
    stores = {
        "a": make_store(name="A"), "b": make_store(name="B"), "d": make_store(name="D"),
        "c": make_store(name="C", province_code="53", regency="Kota Kupang"),
    }
    # A: three months at or above the 2025 line, then below the 2026 line.
    monthly_net(stores["a"], {m(2025, 10): 2_100_000, m(2025, 11): 2_100_000,
                              m(2025, 12): 2_000_000, m(2026, 1): 2_100_000})
    # B: two months, a month with no sales, two months again: never three in a row.
    monthly_net(stores["b"], {m(2025, 11): 3_000_000, m(2025, 12): 3_000_000,
                              m(2026, 2): 3_000_000, m(2026, 3): 3_000_000})
    # C: a province with no income line is never counted.
    monthly_net(stores["c"], {m(2026, 1): 9_000_000, m(2026, 2): 9_000_000,
                              m(2026, 3): 9_000_000})
    # D: three months above the 2026 line.
    monthly_net(stores["d"], {m(2026, 1): 2_300_000, m(2026, 2): 2_300_000,
                              m(2026, 3): 2_300_000})
    return stores


def test_stores_graduate_after_n_consecutive_months(data):
    result = indicators.graduation_by_store("ump", 3, until=m(2026, 3))
    a, b, d = (result.get(data[k].id) for k in "abd")
    assert a.graduated_in == m(2025, 12) and a.current_streak == 0 and a.months_above == 3
    assert b.graduated_in is None and b.current_streak == 2 and b.months_above == 4
    assert d.graduated_in == m(2026, 3) and d.current_streak == 3
    assert data["c"].id not in result


def test_counts_per_province_and_over_time(data):
    summary = indicators.graduation_summary("ump", 3, months=4, until=m(2026, 3))
    assert summary["total"] == 2
    assert summary["by_province"] == {"33": 2}
    assert [(row["month"], row["above"], row["graduated"]) for row in summary["timeline"]] == [
        (m(2025, 12), 2, 1), (m(2026, 1), 1, 1), (m(2026, 2), 2, 1), (m(2026, 3), 2, 2)]


def test_the_number_of_months_is_configurable(data):
    assert indicators.graduation_summary("ump", 2, until=m(2026, 3))["total"] == 3  # A, B, D
    assert indicators.graduation_summary("ump", 4, until=m(2026, 3))["total"] == 0
    early = indicators.graduation_summary("ump", 3, until=m(2026, 2))
    assert early["total"] == 1  # D has only two months by February


def test_a_regency_line_takes_precedence_over_the_province_line(lines, make_store,
                                                                monthly_net):
    pekalongan = make_store(regency="Kota Pekalongan")
    semarang = make_store(regency="Kota Semarang")
    months = {m(2026, 1): 700_000, m(2026, 2): 700_000, m(2026, 3): 700_000}
    monthly_net(pekalongan, months)
    monthly_net(semarang, months)
    result = indicators.graduation_by_store("poverty_line", 3, until=m(2026, 3))
    assert pekalongan.id not in result  # 700.000 is below Pekalongan's 800.000
    assert result[semarang.id].graduated_in == m(2026, 3)


def test_province_filter(data, make_store, monthly_net):
    assert indicators.graduation_summary("ump", 3, province_code="53",
                                         until=m(2026, 3))["total"] == 0


@pytest.mark.parametrize("kind, months", [("nope", 3), ("ump", 0), ("ump", 25), ("ump", True)])
def test_bad_rules_are_refused(db, kind, months):
    with pytest.raises(ValidationError):
        indicators.graduation_by_store(kind, months)


def test_threshold_input_is_checked(db, staff, lines):
    cases = [
        ({"amount": -5}, "amount"), ({"amount": 0}, "amount"), ({"amount": 1.5}, "amount"),
        ({"kind": "x"}, "kind"), ({"province_code": "99"}, "province_code"),
        ({"kind": "umk", "regency": ""}, "regency"),
        ({"effective_from": date(2027, 1, 1), "effective_to": date(2026, 1, 1)}, "effective_to"),
        # Overlaps the open-ended 2026 line for the same place.
        ({"effective_from": date(2026, 6, 1)}, "effective_from"),
        ({"effective_from": date(2025, 6, 1), "effective_to": date(2026, 2, 1)},
         "effective_from"),
    ]
    for overrides, field in cases:
        values = {"kind": "ump", "province_code": "33", "regency": None, "amount": 2_500_000,
                  "effective_from": date(2027, 1, 1), "effective_to": None, **overrides}
        with pytest.raises(ValidationError) as caught:
            indicators.add_threshold(staff, **values)
        assert field in caught.value.errors, overrides
    # A regency line may sit beside its province line.
    indicators.add_threshold(staff, "ump", "33", "Kota Semarang", 2_500_000, date(2026, 1, 1))


def test_a_new_or_removed_line_counts_at_once(db, staff, make_store, monthly_net):
    store = make_store(province_code="35", regency="Kota Malang")
    monthly_net(store, {m(2026, 1): 2_500_000, m(2026, 2): 2_500_000, m(2026, 3): 2_500_000})
    assert indicators.graduation_summary("ump", 3, until=m(2026, 3))["total"] == 0
    line = indicators.add_threshold(staff, "ump", "35", None, 2_305_985, date(2026, 1, 1))
    db.session.commit()
    summary = indicators.graduation_summary("ump", 3, until=m(2026, 3))
    assert summary["total"] == 1 and summary["timeline"][-1]["above"] == 1
    indicators.delete_threshold(staff, line.id)
    db.session.commit()
    assert indicators.graduation_summary("ump", 3, until=m(2026, 3))["total"] == 0


def test_the_refresh_command(app, db, make_store, make_sale):
    make_sale(make_store(), 75_000)
    result = app.test_cli_runner().invoke(args=["programme", "refresh"])
    assert result.exit_code == 0, result.output
    assert "summary rows written" in result.output
    db.session.expire_all()
    assert indicators.last_refresh() is not None
    from marketplace.models import MonthlyStoreSales

    assert db.session.scalar(db.select(MonthlyStoreSales.gmv)) == 75_000


def test_the_demo_seed_adds_income_lines_once(app, db):
    from sqlalchemy import func, select

    from marketplace.models import IncomeThreshold

    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--quiet", "--stores", "1", "--products", "1",
                                     "--orders", "0"])
        assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(IncomeThreshold)) == 10
