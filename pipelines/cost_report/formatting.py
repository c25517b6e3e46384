"""How numbers read on the page: Decimal in, text out, rounded once and only here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | None) -> str:
    """Dollars to the cent, e.g. -$1,234.57 (half a cent rounds away from zero)."""
    cents = (value or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{'-' if cents < 0 else ''}${abs(cents):,.2f}"


def signed_money(value: Decimal) -> str:
    """A change in dollars: +$12.00 or -$3.40."""
    return ("+" if value.quantize(CENT, rounding=ROUND_HALF_UP) > 0 else "") + money(value)


def quantity(value: Decimal | int | None) -> str:
    """Units (minutes, requests, credits) with up to two decimals and no trailing zeros."""
    amount = Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{amount:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def change(now: Decimal, before: Decimal) -> str:
    """Relative change, e.g. +12.5%; 'new' when there was nothing before."""
    if before == 0:
        return "new" if now else "0%"
    ratio = ((now - before) / abs(before) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{'+' if ratio > 0 else ''}{ratio}%"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "never"
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC) if value.tzinfo else value:%Y-%m-%d %H:%M} UTC"
    return value.isoformat()


def month(value: date) -> str:
    return f"{value:%b %Y}"
