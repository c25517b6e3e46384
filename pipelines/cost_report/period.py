"""The span of days a report covers, and the month arithmetic its comparisons need."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Days `start` to `end` included: whole calendar months, except that the first and last
    are cut to the days loaded."""

    start: date
    end: date

    @classmethod
    def covering(cls, first_day: date, last_day: date, months: int | None) -> Period:
        """All loaded days, or only the last `months` calendar months of them."""
        if months is not None:
            first_day = max(first_day, add_months(month_start(last_day), 1 - months))
        return cls(first_day, last_day)

    @property
    def months(self) -> list[date]:
        """First day of every month the period touches."""
        found, month = [], month_start(self.start)
        while month <= self.end:
            found.append(month)
            month = add_months(month, 1)
        return found

    def month_to_date(self) -> tuple[date, date]:
        """The last month's days up to the period's last day."""
        return month_start(self.end), self.end

    def same_days_last_month(self) -> tuple[date, date]:
        """The month before the last one, up to the same day of the month (its last day when it
        is shorter): what month-to-date is compared with."""
        first = add_months(month_start(self.end), -1)
        return first, min(first + timedelta(days=self.end.day - 1), month_end(first))

    def complete_months(self) -> list[date]:
        """Months of the period whose every day is loaded (the movers compare two of them)."""
        whole = [m for m in self.months if month_end(m) <= self.end]
        return whole[1:] if self.start.day > 1 else whole
