"""Pure shaping rules: how GitHub's inconsistent values become raw-table columns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pipelines.github_billing.resources import LoadWindow
from pipelines.github_billing.rows import (
    as_decimal,
    enterprise_slug,
    normalise_key,
    parse_timestamp,
    parse_usage_date,
    usage_item_row,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-01", date(2025, 1, 1)),
        ("2025-01-01T00:00:00Z", date(2025, 1, 1)),
        ("2025-10-15T01:12:28Z", date(2025, 10, 15)),
        ("2025-01-01T22:00:00-06:00", date(2025, 1, 2)),  # UTC day, not the local one
        ("2025-06-18T10:43:41.8378480Z", date(2025, 6, 18)),  # legacy report: 7 digits
        ("2025-06-03 14:02:11", date(2025, 6, 3)),
        ("5/29/26", date(2026, 5, 29)),  # AI-credit reports: month first
        ("6/1/2026", date(2026, 6, 1)),
        ("12/31/25", date(2025, 12, 31)),
    ],
)
def test_every_date_shape_becomes_a_utc_day(raw: str, expected: date) -> None:
    assert parse_usage_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Actions Linux", "actions_linux"),
        ("actions_linux", "actions_linux"),
        ("Minutes", "minutes"),
        ("GigabyteHours", "gigabytehours"),
        ("Actions macOS 3-core", "actions_macos_3_core"),
        (None, ""),
    ],
)
def test_casing_drift_normalises_to_one_key(raw: str | None, expected: str) -> None:
    assert normalise_key(raw) == expected


def test_amounts_stay_exact_decimals() -> None:
    assert as_decimal(Decimal("0.001949096")) == Decimal("0.001949096")
    assert as_decimal(5) == Decimal(5)
    assert as_decimal(0.1) + as_decimal(0.2) == Decimal("0.3")
    assert as_decimal(Decimal("0.30000000000000004")) == Decimal("0.3")  # float noise past 12 dp
    assert as_decimal("0.14103634999999998") == Decimal("0.141036350000")  # half-even at 12 dp
    assert as_decimal("9.4086E-05") == Decimal("0.000094086")


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("acme-corp", "acme-corp"),
        ("https://github.com/enterprises/acme-corp", "acme-corp"),
        ("https://github.com/enterprises/acme-corp/settings/billing", "acme-corp"),
        ("github.com/enterprises/acme-corp", "acme-corp"),
    ],
)
def test_enterprise_may_be_given_as_its_url(given: str, slug: str) -> None:
    assert enterprise_slug(given) == slug


def test_a_url_that_is_not_an_enterprise_is_refused() -> None:
    with pytest.raises(ValueError, match="not an enterprise URL"):
        enterprise_slug("https://github.com/orgs/acme")


def test_seat_timestamps_with_offsets_become_utc() -> None:
    assert parse_timestamp("2021-08-03T18:00:00-06:00") == datetime(2021, 8, 4, 0, tzinfo=UTC)
    assert parse_timestamp(None) is None


def test_usage_item_keeps_raw_and_tags_its_partition() -> None:
    item = {
        "date": "2025-01-01T00:00:00Z",
        "product": "Actions",
        "sku": "Actions storage",
        "quantity": Decimal("5.801260062"),
        "unitType": "GigabyteHours",
        "pricePerUnit": Decimal("0.00033602"),
        "grossAmount": Decimal("0.001949096"),
        "discountAmount": Decimal("0.001949096"),
        "netAmount": Decimal("0.0"),
        "organizationName": "octokit",
    }
    row = usage_item_row(item, "none", datetime(2025, 1, 2, tzinfo=UTC))
    assert row["usage_date"] == date(2025, 1, 1) and row["date_raw"] == "2025-01-01T00:00:00Z"
    assert (row["product"], row["product_raw"]) == ("actions", "Actions")
    assert (row["unit_type"], row["unit_type_raw"]) == ("gigabyte_hours", "GigabyteHours")
    assert row["repository_name"] == "" and row["repository_name_raw"] is None
    assert row["cost_center_id"] == "none" and row["quantity"] == Decimal("5.801260062")


def test_load_window_starts_at_the_lagged_cursor_and_never_loads_today() -> None:
    window = LoadWindow(today=date(2026, 11, 25), start_date=date(2026, 10, 1), lookback_days=7)
    assert window.last_day == date(2026, 11, 24)
    assert window.first_day(None) == date(2026, 10, 1)
    # dlt hands over the cursor with the lag (lookback) already applied
    assert window.first_day(date(2026, 11, 17)) == date(2026, 11, 17)
    assert window.first_day(date(2026, 9, 25)) == date(2026, 10, 1)  # never before start_date
    backfill = LoadWindow(
        today=date(2026, 11, 25),
        start_date=date(2026, 10, 1),
        lookback_days=7,
        since=date(2025, 1, 1),
        until=date(2025, 1, 31),
    )
    assert backfill.first_day(date(2026, 11, 24)) == date(2025, 1, 1)
    assert backfill.last_day == date(2025, 1, 31)
