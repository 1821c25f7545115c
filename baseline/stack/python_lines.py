"""CPython's release lines and when each is supported: a `pipeline.python_version` must be one.

Source: the Python developer's guide, "Status of Python versions", as published in
https://peps.python.org/api/release-cycle.json (first release and end of life of each line;
release schedules PEP 596, 619, 664, 693, 719, 745, 790). A line is supported from its first
release to the end of the month its end of life names. Add the next line when its schedule PEP
is accepted; a line past its end of life is refused from that day, so a stack that names it
stops before it changes anything, with a message naming the supported lines.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    version: str
    first_release: datetime.date
    end_of_life: datetime.date  # the last day it is supported

    def supported_on(self, day: datetime.date) -> bool:
        return self.first_release <= day <= self.end_of_life


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


LINES: tuple[Line, ...] = (
    Line("3.9", datetime.date(2020, 10, 5), datetime.date(2025, 10, 31)),
    Line("3.10", datetime.date(2021, 10, 4), _month_end(2026, 10)),
    Line("3.11", datetime.date(2022, 10, 24), _month_end(2027, 10)),
    Line("3.12", datetime.date(2023, 10, 2), _month_end(2028, 10)),
    Line("3.13", datetime.date(2024, 10, 7), _month_end(2029, 10)),
    Line("3.14", datetime.date(2025, 10, 7), _month_end(2030, 10)),
    Line("3.15", datetime.date(2026, 10, 1), _month_end(2031, 10)),
    Line("3.16", datetime.date(2027, 10, 6), _month_end(2032, 10)),
)


def today() -> datetime.date:
    return datetime.date.today()


def supported(day: datetime.date) -> tuple[str, ...]:
    """The lines supported on `day`, oldest first."""
    return tuple(line.version for line in LINES if line.supported_on(day))


def why_not(version: str, day: datetime.date) -> str | None:
    """Why `version` is not a supported line on `day` (None when it is)."""
    line = next((line for line in LINES if line.version == version), None)
    if line is None:
        return "not a CPython release line"
    if day > line.end_of_life:
        return f"end of life since {line.end_of_life.isoformat()}"
    if day < line.first_release:
        return f"not released before {line.first_release.isoformat()}"
    return None
