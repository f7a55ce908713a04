"""Working-day calendar: weekends, national holidays, cuti bersama and an admin overlay.

Pure Python (no database, no Flask): `backend.sla.calendars` builds one `WorkingCalendar` per
calendar row and version, and asks it for deadlines. The national days come from the `holidays`
package (Indonesia, categories PUBLIC and GOVERNMENT, Indonesian names); the overlay adds
closures and regional holidays and gives back days the government moved.

Counting rule (see ARCHITECTURE.md, "Legal clocks"): the local date of receipt is day 0; day 1
is the next calendar day, or the next working day after day 0 for working-day counts, so receipt
on a Saturday or a holiday starts counting on the next working day. A deadline ends at 23:59:59
local time of day N. Calendar-day deadlines are not moved off holidays.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Final, Literal, NamedTuple, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

from backend.localtime import DEFAULT_ZONE

CalendarUnit = Literal["calendar_day", "working_day"]
DayOffKind = Literal["weekend", "public_holiday", "cuti_bersama", "closure", "regional_holiday"]
OverlayKind = Literal["closure", "regional_holiday", "working_day"]

# The instant a deadline ends on its local due day; microsecond 0 keeps stored values exact.
END_OF_DAY: Final = time(23, 59, 59)

_COUNTRY: Final = "ID"
_LANGUAGE: Final = "id"
_SATURDAY: Final = 5
_WEEKEND_REASONS: Final = {5: "Akhir pekan (Sabtu)", 6: "Akhir pekan (Minggu)"}
_CUTI_BERSAMA: Final = "Cuti bersama"
# A day with several reasons is shown under the weightiest; weekends come last because a holiday
# on a Saturday says more than "Saturday".
_KIND_RANK: Final[dict[DayOffKind, int]] = {
    "public_holiday": 0,
    "cuti_bersama": 1,
    "regional_holiday": 2,
    "closure": 3,
    "weekend": 4,
}


class CalendarHorizonError(ValueError):
    """A date, or a count, outside the years a calendar was built for."""


@dataclass(frozen=True, slots=True)
class OverlayEntry:
    """An admin's change to the national calendar on one local date.

    `closure` and `regional_holiday` make the date a non-working day; `working_day` makes it a
    working day whatever the package or the weekday says (a cuti bersama the government moved).
    """

    date: date
    kind: OverlayKind
    name: str

    def __post_init__(self) -> None:
        if isinstance(self.date, datetime) or not isinstance(self.date, date):
            raise TypeError(f"overlay date must be a date, not {type(self.date).__name__}")
        if self.kind not in get_args(OverlayKind):
            raise ValueError(f"overlay kind must be one of {get_args(OverlayKind)}: {self.kind!r}")
        if not self.name.strip():
            raise ValueError("overlay entry needs a name")


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A non-working day and why it is one.

    `reasons` are Indonesian texts, the weightiest first; `kind` is the weightiest reason's kind.
    `estimated` is true when every reason is a holiday whose date the package only estimates,
    i.e. when the day may yet turn out to be a working day.
    """

    date: date
    kind: DayOffKind
    reasons: tuple[str, ...]
    estimated: bool

    @property
    def reason(self) -> str:
        """All reasons in one line, joined the way the `holidays` package joins names."""
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed deadline and the non-working days that explain it.

    `due_at` is 23:59:59 local time on `due_date`, as an aware UTC datetime; the deadline is
    breached from the next second on. `skipped` lists the non-working days after `day_zero` up
    to and including `due_date`: for working-day counts these are the days that pushed the
    deadline; for calendar-day counts they are informational (a due date on a holiday stays).
    """

    day_zero: date
    due_date: date
    due_at: datetime
    unit: CalendarUnit
    skipped: tuple[SkippedDay, ...]


class _Reason(NamedTuple):
    kind: DayOffKind
    text: str
    estimated: bool


class WorkingCalendar:
    """Working days of one region over a range of years, in the region's time zone.

    Everything is precomputed at construction: a sorted index of working days (ordinals) for
    bisecting, and the non-working days with their reasons. Instances never change, so one may
    be shared between threads and cached.
    """

    def __init__(
        self,
        *,
        region: str,
        first_year: int,
        last_year: int,
        version: int | str,
        zone: str = DEFAULT_ZONE,
        overlay: Iterable[OverlayEntry] = (),
        include_cuti_bersama: bool = True,
    ) -> None:
        """Build the calendar.

        `include_cuti_bersama=False` leaves out the package's GOVERNMENT category, for offices
        that work through cuti bersama. Overlay entries outside [first_year, last_year] are
        ignored: no answer of this calendar can depend on them. A date may not be both a
        `working_day` and a day off in the overlay.
        """
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        self.region = region
        self.first_year = first_year
        self.last_year = last_year
        self.version = version
        self.include_cuti_bersama = include_cuti_bersama
        self._first = date(first_year, 1, 1)
        self._last = date(last_year, 12, 31)

        reasons = _national_reasons(range(first_year, last_year + 1), include_cuti_bersama)
        for ordinal in range(self._first.toordinal(), self._last.toordinal() + 1):
            day = date.fromordinal(ordinal)
            if day.weekday() >= _SATURDAY:
                reasons.setdefault(day, []).append(
                    _Reason("weekend", _WEEKEND_REASONS[day.weekday()], False)
                )
        self._apply_overlay(reasons, overlay)

        self._days_off: dict[date, SkippedDay] = {
            day: _skipped_day(day, day_reasons) for day, day_reasons in sorted(reasons.items())
        }
        self._off_days = list(self._days_off.values())
        self._off_ordinals = [day.toordinal() for day in self._days_off]
        off = set(self._off_ordinals)
        self._working = [
            ordinal
            for ordinal in range(self._first.toordinal(), self._last.toordinal() + 1)
            if ordinal not in off
        ]
        self._fingerprint = self._compute_fingerprint()

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(region={self.region!r}, years={self.first_year}-{self.last_year}, "
            f"zone={self.zone.key!r}, version={self.version!r})"
        )

    def add_days(self, start: datetime, days: int, unit: CalendarUnit) -> Deadline:
        """Count `days` from the aware instant `start`, in calendar or working days.

        Day 0 is the local date of `start`; `days=0` is due at the end of day 0. Raises
        `CalendarHorizonError` when day 0 or the due date falls outside the calendar's years,
        `ValueError` for a naive `start`, a negative count or an unknown unit, and `TypeError`
        for a count that is not a whole number.
        """
        day_zero = self.local_date(start)
        _require_count(days)
        if unit == "working_day":
            due_date = self._nth_working_day_after(day_zero, days)
        elif unit == "calendar_day":
            due_ordinal = day_zero.toordinal() + days
            if due_ordinal > self._last.toordinal():
                raise self._horizon_error(
                    f"{days} calendar days from {day_zero.isoformat()} run past {self._last}"
                )
            due_date = date.fromordinal(due_ordinal)
        else:
            raise ValueError(f"unit must be one of {get_args(CalendarUnit)}: {unit!r}")
        return Deadline(
            day_zero=day_zero,
            due_date=due_date,
            due_at=self.end_of_day(due_date),
            unit=unit,
            skipped=self._days_off_after(day_zero, due_date),
        )

    def later_of(self, start: datetime, days: int) -> Deadline:
        """The later of the calendar-day and the working-day readings of `days` from `start`.

        For deadlines that run against the citizen (filing, completion), which never expire
        before the later reading. On a tie the calendar-day reading, the statutory default, wins.
        """
        by_calendar = self.add_days(start, days, "calendar_day")
        by_working = self.add_days(start, days, "working_day")
        return by_working if by_working.due_date > by_calendar.due_date else by_calendar

    def subtract_working_days(self, day: date, n: int) -> date:
        """The `n`-th working day before `day` (`day` itself for `n=0`).

        For warnings such as "3 working days before the deadline": for a working day `d`,
        adding `n` working days to the result gives `d` back.
        """
        self._require_date(day)
        _require_count(n)
        if n == 0:
            return day
        index = bisect_left(self._working, day.toordinal()) - n
        if index < 0:
            raise self._horizon_error(
                f"{n} working days before {day.isoformat()} fall before {self._first}"
            )
        return date.fromordinal(self._working[index])

    def is_working_day(self, day: date) -> bool:
        """Whether the local date `day` is a working day."""
        self._require_date(day)
        return day not in self._days_off

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days after `start` up to and including `end`.

        Matches `add_days`: counting n working days from day 0 gives a due date `end` with
        `working_days_between(day_zero, end) == n`. Negative when `end` is before `start`.
        """
        self._require_date(start)
        self._require_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        return bisect_right(self._working, end.toordinal()) - bisect_right(
            self._working, start.toordinal()
        )

    def non_working_days(self, year: int) -> list[SkippedDay]:
        """Every non-working day of `year`, in date order, with its reasons."""
        if not self.first_year <= year <= self.last_year:
            raise self._horizon_error(f"year {year} is not covered")
        low = bisect_left(self._off_ordinals, date(year, 1, 1).toordinal())
        high = bisect_right(self._off_ordinals, date(year, 12, 31).toordinal())
        return self._off_days[low:high]

    def local_date(self, instant: datetime) -> date:
        """The date of the aware `instant` in the calendar's zone, checked against the horizon."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, got {instant!r}")
        day = instant.astimezone(self.zone).date()
        self._require_in_horizon(day)
        return day

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local time on `day`, as an aware UTC datetime."""
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone).astimezone(UTC)

    def fingerprint(self) -> str:
        """A stable SHA-256 of everything that decides a deadline.

        Covers the zone, the years and every non-working day with its kind, reasons and
        estimated flag; equal inputs give equal fingerprints across processes and rebuilds.
        """
        return self._fingerprint

    def _apply_overlay(
        self, reasons: dict[date, list[_Reason]], overlay: Iterable[OverlayEntry]
    ) -> None:
        in_range = [entry for entry in overlay if self._first <= entry.date <= self._last]
        working = {entry.date for entry in in_range if entry.kind == "working_day"}
        for entry in in_range:
            if entry.kind == "working_day":
                continue
            if entry.date in working:
                raise ValueError(
                    f"overlay makes {entry.date.isoformat()} both a working day and "
                    f"a {entry.kind} ({entry.name})"
                )
            reasons.setdefault(entry.date, []).append(_Reason(entry.kind, entry.name, False))
        for day in working:
            reasons.pop(day, None)

    def _nth_working_day_after(self, day_zero: date, n: int) -> date:
        if n == 0:
            return day_zero
        index = bisect_right(self._working, day_zero.toordinal()) + n - 1
        if index >= len(self._working):
            raise self._horizon_error(
                f"{n} working days from {day_zero.isoformat()} run past {self._last}"
            )
        return date.fromordinal(self._working[index])

    def _days_off_after(self, day_zero: date, due_date: date) -> tuple[SkippedDay, ...]:
        low = bisect_right(self._off_ordinals, day_zero.toordinal())
        high = bisect_right(self._off_ordinals, due_date.toordinal())
        return tuple(self._off_days[low:high])

    def _require_date(self, day: date) -> None:
        # A datetime is a date subclass: accepting it would silently use its naive date part.
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(
                f"a local date is required, got {type(day).__name__}; "
                "convert instants with local_date()"
            )
        self._require_in_horizon(day)

    def _require_in_horizon(self, day: date) -> None:
        if not self._first <= day <= self._last:
            raise self._horizon_error(f"{day.isoformat()} is not covered")

    def _horizon_error(self, problem: str) -> CalendarHorizonError:
        return CalendarHorizonError(
            f"{problem}: calendar {self.region!r} version {self.version!r} knows only the years "
            f"{self.first_year}-{self.last_year}; build one that covers the date"
        )

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(f"{self.zone.key}\n{self.first_year}-{self.last_year}\n".encode())
        for day in self._off_days:
            line = f"{day.date.isoformat()}|{day.kind}|{day.reason}|{int(day.estimated)}\n"
            digest.update(line.encode())
        return digest.hexdigest()


def national_calendar(
    first_year: int,
    last_year: int,
    zone: str = DEFAULT_ZONE,
    overlay: Iterable[OverlayEntry] = (),
    *,
    version: int | str,
    region: str = _COUNTRY,
    include_cuti_bersama: bool = True,
) -> WorkingCalendar:
    """A shared, cached `WorkingCalendar`; equal arguments return the same instance.

    The overlay may be any iterable (a list of DB rows turned into entries is fine): it is
    sorted into a tuple so that the same entries in another order hit the same cache slot.
    """
    entries = tuple(sorted(set(overlay), key=lambda entry: (entry.date, entry.kind, entry.name)))
    return _cached_calendar(
        first_year, last_year, zone, entries, version, region, include_cuti_bersama
    )


@lru_cache(maxsize=32)
def _cached_calendar(
    first_year: int,
    last_year: int,
    zone: str,
    overlay: tuple[OverlayEntry, ...],
    version: int | str,
    region: str,
    include_cuti_bersama: bool,
) -> WorkingCalendar:
    return WorkingCalendar(
        region=region,
        first_year=first_year,
        last_year=last_year,
        version=version,
        zone=zone,
        overlay=overlay,
        include_cuti_bersama=include_cuti_bersama,
    )


def _national_reasons(years: range, include_cuti_bersama: bool) -> dict[date, list[_Reason]]:
    """Public holidays, and cuti bersama if asked, from the `holidays` package."""
    sources: list[tuple[str, DayOffKind]] = [(PUBLIC, "public_holiday")]
    if include_cuti_bersama:
        sources.append((GOVERNMENT, "cuti_bersama"))
    reasons: dict[date, list[_Reason]] = {}
    for category, kind in sources:
        # One category per lookup: the combined dict would not say which names are cuti bersama.
        days = holidays.country_holidays(
            _COUNTRY, years=years, categories=(category,), language=_LANGUAGE
        )
        affixes = _estimated_affixes(days)
        for day in days:
            for name in days.get_list(day):
                text = _cuti_bersama_reason(name) if kind == "cuti_bersama" else name
                reasons.setdefault(day, []).append(
                    _Reason(kind, text, _is_estimated(name, affixes))
                )
    return reasons


def _estimated_affixes(days: holidays.HolidayBase) -> tuple[str, str]:
    """The text the package puts before and after an estimated holiday's name.

    Read from the package's own `estimated_label`, translated like the names ("%s (perkiraan)"
    in Indonesian), so a reworded label or another language keeps working.
    """
    prefix, _, suffix = days.tr(days.estimated_label).partition("%s")
    return prefix, suffix


def _is_estimated(name: str, affixes: tuple[str, str]) -> bool:
    prefix, suffix = affixes
    return (
        bool(prefix or suffix)
        and len(name) > len(prefix) + len(suffix)
        and name.startswith(prefix)
        and name.endswith(suffix)
    )


def _cuti_bersama_reason(name: str) -> str:
    """Write the package's "Cuti Bersama Hari Raya Natal" as "Cuti bersama: Hari Raya Natal"."""
    if name.casefold().startswith(_CUTI_BERSAMA.casefold()):
        name = name[len(_CUTI_BERSAMA) :].strip()
    return f"{_CUTI_BERSAMA}: {name}"


def _skipped_day(day: date, reasons: list[_Reason]) -> SkippedDay:
    ordered = sorted(reasons, key=lambda reason: _KIND_RANK[reason.kind])
    return SkippedDay(
        date=day,
        kind=ordered[0].kind,
        reasons=tuple(reason.text for reason in ordered),
        estimated=all(reason.estimated for reason in ordered),
    )


def _require_count(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"a whole number of days is required, got {days!r}")
    if days < 0:
        raise ValueError(f"the number of days cannot be negative: {days}")


def clear_calendar_cache() -> None:
    """Forget the cached calendars (the daily refresh rebuilds them from fresh data)."""
    _cached_calendar.cache_clear()
