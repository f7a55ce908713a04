"""The working-day calendar against the `holidays` package data for 2025-2027.

Expected dates were read off the package (holidays 0.109) and counted by hand:

- 2025 Lebaran: Fri 28 Mar cuti (Nyepi), Sat 29 Nyepi, Mon 31 Mar and Tue 1 Apr Idul Fitri,
  cuti 2, 3, 4 and 7 Apr.
- 2026 Lebaran: Wed 18 Mar cuti (Nyepi), Thu 19 Nyepi, Fri 20 cuti, Sat 21 and Sun 22 Idul Fitri,
  cuti Mon 23 and Tue 24.
- 2027 Lebaran: Mon 8 Mar Nyepi, Tue 9 cuti, Wed 10 and Thu 11 Idul Fitri (estimated), Fri 12
  and Mon 15 cuti.
- Year end 2026: Thu 24 Dec cuti, Fri 25 Natal; Fri 1 Jan 2027 new year, Tue 5 Jan Isra Mikraj.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.sla.working_calendar import (
    CalendarHorizonError,
    OverlayEntry,
    WorkingCalendar,
    national_calendar,
)

WIB = ZoneInfo("Asia/Jakarta")
FIRST_YEAR, LAST_YEAR = 2025, 2027


def wib(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given in Western Indonesia Time."""
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An instant given in UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def build(**options) -> WorkingCalendar:
    """A Cimahi calendar for 2025-2027 unless the options say otherwise."""
    arguments = {"region": "CMH", "first_year": FIRST_YEAR, "last_year": LAST_YEAR, "version": 1}
    return WorkingCalendar(**(arguments | options))


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return build()


@pytest.fixture(scope="module")
def without_cuti() -> WorkingCalendar:
    return build(include_cuti_bersama=False)


def test_package_lists_2026_as_legal_md_says() -> None:
    public = holidays.country_holidays("ID", years=2026, categories=("public",), language="id")
    cuti = holidays.country_holidays("ID", years=2026, categories=("government",), language="id")
    assert len(public) == 17
    assert sorted(cuti) == [
        date(2026, 2, 16),
        date(2026, 3, 18),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 5, 15),
        date(2026, 5, 28),
        date(2026, 12, 24),
    ]


def test_calendar_keeps_2026_public_holidays_and_cuti_bersama_apart(calendar) -> None:
    days = calendar.non_working_days(2026)
    public = [day.date for day in days if day.kind == "public_holiday"]
    cuti = [day.date for day in days if day.kind == "cuti_bersama"]
    assert len(public) == 17
    assert cuti == [
        date(2026, 2, 16),
        date(2026, 3, 18),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 5, 15),
        date(2026, 5, 28),
        date(2026, 12, 24),
    ]


LEBARAN = [
    # (received, working days, due with cuti bersama, due without cuti bersama)
    (wib(2025, 3, 27), 1, date(2025, 4, 8), date(2025, 3, 28)),
    (wib(2025, 3, 27), 3, date(2025, 4, 10), date(2025, 4, 3)),
    (wib(2026, 3, 17), 1, date(2026, 3, 25), date(2026, 3, 18)),
    (wib(2026, 3, 17), 3, date(2026, 3, 27), date(2026, 3, 23)),
    (wib(2027, 3, 5), 1, date(2027, 3, 16), date(2027, 3, 9)),
    (wib(2027, 3, 5), 3, date(2027, 3, 18), date(2027, 3, 15)),
]


@pytest.mark.parametrize(("received", "days", "with_cuti", "without"), LEBARAN)
def test_lebaran_with_and_without_cuti_bersama(
    calendar, without_cuti, received, days, with_cuti, without
) -> None:
    assert calendar.add_days(received, days, "working_day").due_date == with_cuti
    assert without_cuti.add_days(received, days, "working_day").due_date == without


def test_overlay_gives_back_moved_cuti_bersama() -> None:
    moved = [
        OverlayEntry(date(2026, 3, day), "working_day", "Cuti bersama dibatalkan")
        for day in (20, 23, 24)
    ]
    calendar = build(overlay=moved)
    # Wed 18 (cuti Nyepi) and Thu 19 (Nyepi) stay off; 20, 23 and 24 count again.
    assert calendar.add_days(wib(2026, 3, 17), 3, "working_day").due_date == date(2026, 3, 24)
    assert calendar.is_working_day(date(2026, 3, 20))
    assert not calendar.is_working_day(date(2026, 3, 18))


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (wib(2026, 1, 10), 0, date(2026, 1, 10)),  # Saturday, due the same day
        (wib(2026, 1, 10), 1, date(2026, 1, 12)),  # Saturday -> Monday is day 1
        (wib(2026, 1, 11), 1, date(2026, 1, 12)),  # Sunday
        (wib(2026, 1, 1), 1, date(2026, 1, 2)),  # New Year (Thursday) -> Friday
        (wib(2026, 1, 1), 5, date(2026, 1, 8)),
        (wib(2026, 3, 21), 1, date(2026, 3, 25)),  # Idul Fitri on a Saturday
    ],
)
def test_receipt_on_a_day_off_starts_on_the_next_working_day(calendar, received, days, due) -> None:
    assert calendar.add_days(received, days, "working_day").due_date == due


@pytest.mark.parametrize(
    ("received", "day_zero", "due_at"),
    [
        (wib(2026, 2, 3, 0, 30), date(2026, 2, 3), utc(2026, 2, 4, 16, 59, 59)),  # Mon in UTC
        (wib(2026, 2, 3, 23, 59), date(2026, 2, 3), utc(2026, 2, 4, 16, 59, 59)),
        (utc(2026, 2, 3, 18), date(2026, 2, 4), utc(2026, 2, 5, 16, 59, 59)),  # Wed 01:00 WIB
        (utc(2026, 2, 3, 16, 59), date(2026, 2, 3), utc(2026, 2, 4, 16, 59, 59)),
    ],
)
def test_day_zero_is_the_local_date_of_receipt(calendar, received, day_zero, due_at) -> None:
    deadline = calendar.add_days(received, 1, "working_day")
    assert deadline.day_zero == day_zero
    assert deadline.due_date == due_at.date()
    assert deadline.due_at == due_at


def test_due_at_is_the_last_second_of_the_local_day_in_utc(calendar) -> None:
    deadline = calendar.add_days(wib(2026, 2, 3), 0, "calendar_day")
    assert deadline.due_at == utc(2026, 2, 3, 16, 59, 59)
    assert deadline.due_at.tzinfo is UTC
    assert deadline.due_at.astimezone(WIB) == wib(2026, 2, 3, 23, 59) + timedelta(seconds=59)


def test_crossing_into_the_next_year(calendar) -> None:
    deadline = calendar.add_days(wib(2026, 12, 23), 6, "working_day")
    assert deadline.due_date == date(2027, 1, 6)
    assert [(day.date, day.kind) for day in deadline.skipped] == [
        (date(2026, 12, 24), "cuti_bersama"),
        (date(2026, 12, 25), "public_holiday"),
        (date(2026, 12, 26), "weekend"),
        (date(2026, 12, 27), "weekend"),
        (date(2027, 1, 1), "public_holiday"),
        (date(2027, 1, 2), "weekend"),
        (date(2027, 1, 3), "weekend"),
        (date(2027, 1, 5), "public_holiday"),
    ]
    assert calendar.working_days_between(date(2026, 12, 23), date(2027, 1, 6)) == 6


@pytest.mark.parametrize(
    ("received", "days", "unit", "due"),
    [
        (wib(2027, 12, 27), 4, "working_day", date(2027, 12, 31)),
        (wib(2027, 12, 31), 0, "working_day", date(2027, 12, 31)),
        (wib(2027, 12, 17), 14, "calendar_day", date(2027, 12, 31)),
    ],
)
def test_counts_up_to_the_last_day_of_the_horizon(calendar, received, days, unit, due) -> None:
    assert calendar.add_days(received, days, unit).due_date == due


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_days(wib(2027, 12, 27), 5, "working_day"),
        lambda c: c.add_days(wib(2027, 12, 18), 14, "calendar_day"),
        lambda c: c.add_days(wib(2024, 12, 31), 1, "working_day"),
        lambda c: c.add_days(wib(2028, 1, 1, 0, 30), 0, "calendar_day"),
        lambda c: c.add_days(utc(2027, 12, 31, 17, 30), 0, "calendar_day"),  # 2028 in WIB
        lambda c: c.later_of(wib(2027, 12, 20), 14),
        lambda c: c.is_working_day(date(2028, 1, 3)),
        lambda c: c.working_days_between(date(2027, 12, 1), date(2028, 1, 3)),
        lambda c: c.subtract_working_days(date(2025, 1, 3), 3),
        lambda c: c.non_working_days(2024),
    ],
)
def test_outside_the_horizon_is_an_error(calendar, call) -> None:
    with pytest.raises(CalendarHorizonError, match="2025-2027"):
        call(calendar)


def test_horizon_error_is_a_value_error() -> None:
    assert issubclass(CalendarHorizonError, ValueError)


def test_isra_mikraj_falls_twice_in_2027(calendar) -> None:
    days = [
        day for day in calendar.non_working_days(2027) if "Isra Mikraj Nabi Muhammad" in day.reasons
    ]
    assert [(day.date, day.reason, day.estimated) for day in days] == [
        (date(2027, 1, 5), "Isra Mikraj Nabi Muhammad", False),
        (date(2027, 12, 26), "Isra Mikraj Nabi Muhammad; Akhir pekan (Minggu)", False),
    ]


@pytest.mark.parametrize(
    ("zone", "received", "day_zero", "due_at"),
    [
        ("Asia/Jakarta", utc(2026, 2, 3, 16, 30), date(2026, 2, 3), utc(2026, 2, 4, 16, 59, 59)),
        ("Asia/Makassar", utc(2026, 2, 3, 16, 30), date(2026, 2, 4), utc(2026, 2, 5, 15, 59, 59)),
        ("Asia/Makassar", utc(2026, 2, 3, 15, 30), date(2026, 2, 3), utc(2026, 2, 4, 15, 59, 59)),
        ("Asia/Jayapura", utc(2026, 2, 3, 15, 30), date(2026, 2, 4), utc(2026, 2, 5, 14, 59, 59)),
    ],
)
def test_wita_and_wit(zone, received, day_zero, due_at) -> None:
    deadline = build(zone=zone).add_days(received, 1, "working_day")
    assert deadline.day_zero == day_zero
    assert deadline.due_at == due_at


@pytest.mark.parametrize(
    ("received", "due", "holiday"),
    [
        (wib(2026, 3, 5), date(2026, 3, 19), "Hari Suci Nyepi"),
        (wib(2025, 3, 17), date(2025, 3, 31), "Hari Raya Idul Fitri"),
        (wib(2026, 12, 11), date(2026, 12, 25), "Hari Raya Natal"),
    ],
)
def test_calendar_day_deadline_on_a_holiday_is_not_moved(calendar, received, due, holiday) -> None:
    deadline = calendar.add_days(received, 14, "calendar_day")
    assert deadline.due_date == due
    assert deadline.unit == "calendar_day"
    assert deadline.skipped[-1].date == due
    assert holiday in deadline.skipped[-1].reasons


def test_calendar_day_skipped_days_are_informational(calendar) -> None:
    deadline = calendar.add_days(wib(2026, 3, 5), 14, "calendar_day")
    assert [day.date.day for day in deadline.skipped] == [7, 8, 14, 15, 18, 19]


def test_skipped_reasons_name_the_holidays_and_cuti_bersama(calendar) -> None:
    deadline = calendar.add_days(wib(2026, 3, 17), 3, "working_day")
    assert [(day.date, day.kind, day.reason) for day in deadline.skipped] == [
        (date(2026, 3, 18), "cuti_bersama", "Cuti bersama: Hari Suci Nyepi"),
        (date(2026, 3, 19), "public_holiday", "Hari Suci Nyepi"),
        (date(2026, 3, 20), "cuti_bersama", "Cuti bersama: Hari Raya Idul Fitri"),
        (date(2026, 3, 21), "public_holiday", "Hari Raya Idul Fitri; Akhir pekan (Sabtu)"),
        (
            date(2026, 3, 22),
            "public_holiday",
            "Hari kedua dari Hari Raya Idul Fitri; Akhir pekan (Minggu)",
        ),
        (date(2026, 3, 23), "cuti_bersama", "Cuti bersama: Hari Raya Idul Fitri"),
        (date(2026, 3, 24), "cuti_bersama", "Cuti bersama: Hari Raya Idul Fitri"),
    ]


def test_weekend_reasons(calendar) -> None:
    deadline = calendar.add_days(wib(2026, 2, 6), 1, "working_day")
    assert deadline.due_date == date(2026, 2, 9)
    assert [(day.kind, day.reason) for day in deadline.skipped] == [
        ("weekend", "Akhir pekan (Sabtu)"),
        ("weekend", "Akhir pekan (Minggu)"),
    ]


def test_two_holidays_on_one_date_are_joined() -> None:
    calendar = build(first_year=2021, last_year=2021)
    (day,) = [d for d in calendar.non_working_days(2021) if d.date == date(2021, 5, 13)]
    assert day.reason == "Hari Raya Idul Fitri; Kenaikan Yesus Kristus"
    assert day.kind == "public_holiday"


@pytest.mark.parametrize(
    ("day", "reason", "estimated"),
    [
        (date(2027, 3, 10), "Hari Raya Idul Fitri (perkiraan)", True),
        (date(2027, 5, 17), "Hari Raya Idul Adha (perkiraan)", True),
        (date(2035, 2, 19), "Hari Raya Idul Adha (perkiraan)", True),
        (date(2035, 2, 8), "Tahun Baru Imlek (perkiraan)", True),
        (date(2035, 12, 25), "Hari Raya Natal", False),
        # An estimated holiday on a Saturday: the day is off whatever the estimate says.
        (date(2035, 12, 1), "Hari Raya Idul Fitri (perkiraan); Akhir pekan (Sabtu)", False),
        (date(2026, 3, 21), "Hari Raya Idul Fitri; Akhir pekan (Sabtu)", False),
    ],
)
def test_estimated_dates_are_flagged(day, reason, estimated) -> None:
    calendar = national_calendar(2026, 2035, version=1)
    (found,) = [d for d in calendar.non_working_days(day.year) if d.date == day]
    assert found.reason == reason
    assert found.estimated is estimated


def test_estimated_flag_agrees_with_the_english_names() -> None:
    calendar = national_calendar(2025, 2040, version=1)
    english = holidays.country_holidays(
        "ID", years=range(2025, 2041), categories=("public",), language="en_US"
    )
    weekday_holidays = [day for day in english if day.weekday() < 5]
    flagged = {
        day.date: day.estimated
        for year in range(2025, 2041)
        for day in calendar.non_working_days(year)
    }
    for day in weekday_holidays:
        assert flagged[day] is all("(estimated)" in name for name in english.get_list(day)), day
    assert any(flagged[day] for day in weekday_holidays)


@pytest.mark.parametrize(
    ("entry", "received", "days", "due", "kind"),
    [
        (
            OverlayEntry(date(2026, 2, 4), "closure", "Kantor tutup: pemadaman listrik"),
            wib(2026, 2, 3),
            1,
            date(2026, 2, 5),
            "closure",
        ),
        (
            OverlayEntry(date(2026, 2, 4), "regional_holiday", "Libur daerah"),
            wib(2026, 2, 3),
            1,
            date(2026, 2, 5),
            "regional_holiday",
        ),
    ],
)
def test_overlay_adds_days_off(entry, received, days, due, kind) -> None:
    deadline = build(overlay=[entry]).add_days(received, days, "working_day")
    assert deadline.due_date == due
    assert [(d.date, d.kind, d.reason) for d in deadline.skipped] == [
        (entry.date, kind, entry.name)
    ]


def test_overlay_cannot_make_a_day_both_working_and_off() -> None:
    overlay = [
        OverlayEntry(date(2026, 2, 4), "closure", "Kantor tutup"),
        OverlayEntry(date(2026, 2, 4), "working_day", "Hari kerja pengganti"),
    ]
    with pytest.raises(ValueError, match="2026-02-04"):
        build(overlay=overlay)


def test_overlay_outside_the_years_is_ignored(calendar) -> None:
    outside = build(overlay=[OverlayEntry(date(2030, 1, 2), "closure", "Kantor tutup")])
    assert outside.fingerprint() == calendar.fingerprint()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((date(2026, 2, 4), "holiday", "Libur"), ValueError),
        ((date(2026, 2, 4), "closure", " "), ValueError),
        ((datetime(2026, 2, 4, tzinfo=UTC), "closure", "Kantor tutup"), TypeError),
    ],
)
def test_overlay_entry_is_validated(arguments, error) -> None:
    with pytest.raises(error):
        OverlayEntry(*arguments)


def test_fingerprint_is_stable_and_tracks_changes(calendar) -> None:
    assert build().fingerprint() == calendar.fingerprint()
    assert len(calendar.fingerprint()) == 64
    closure = OverlayEntry(date(2026, 2, 4), "closure", "Kantor tutup")
    assert build(overlay=[closure]).fingerprint() != calendar.fingerprint()
    assert build(include_cuti_bersama=False).fingerprint() != calendar.fingerprint()
    assert build(zone="Asia/Makassar").fingerprint() != calendar.fingerprint()


def test_version_and_region_are_kept() -> None:
    calendar = build(version="2026-07", region="CMH")
    assert (calendar.version, calendar.region) == ("2026-07", "CMH")


def test_national_calendar_is_cached_and_accepts_lists() -> None:
    first = OverlayEntry(date(2026, 2, 4), "closure", "Kantor tutup")
    second = OverlayEntry(date(2026, 2, 5), "regional_holiday", "Libur daerah")
    cached = national_calendar(2026, 2026, overlay=(first, second), version=3)
    assert national_calendar(2026, 2026, overlay=[second, first], version=3) is cached
    assert national_calendar(2026, 2026, overlay=(first, second), version=4) is not cached
    assert not cached.is_working_day(date(2026, 2, 5))


@pytest.mark.parametrize(
    ("received", "days", "due", "unit"),
    [
        (wib(2026, 3, 5), 14, date(2026, 4, 1), "working_day"),  # calendar reading: 19 Mar
        (wib(2026, 2, 2), 3, date(2026, 2, 5), "calendar_day"),  # no day off: a tie
    ],
)
def test_later_of_the_two_readings(calendar, received, days, due, unit) -> None:
    deadline = calendar.later_of(received, days)
    assert (deadline.due_date, deadline.unit) == (due, unit)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 27), 2, date(2026, 3, 25)),
        (date(2026, 3, 27), 3, date(2026, 3, 17)),
        (date(2026, 3, 25), 1, date(2026, 3, 17)),  # back across Lebaran
        (date(2026, 3, 25), 0, date(2026, 3, 25)),
        (date(2026, 3, 22), 1, date(2026, 3, 17)),  # from a day off
        (date(2027, 1, 6), 6, date(2026, 12, 23)),
    ],
)
def test_subtract_working_days(calendar, day, n, expected) -> None:
    assert calendar.subtract_working_days(day, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2026, 3, 17), date(2026, 3, 25), 1),
        (date(2026, 3, 25), date(2026, 3, 17), -1),
        (date(2026, 3, 18), date(2026, 3, 24), 0),
        (date(2026, 1, 1), date(2026, 1, 1), 0),
        (date(2025, 12, 31), date(2026, 12, 31), 240),
    ],
)
def test_working_days_between(calendar, start, end, count) -> None:
    assert calendar.working_days_between(start, end) == count


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.add_days(datetime(2026, 2, 3, 10), 1, "working_day"), ValueError),
        (lambda c: c.add_days(wib(2026, 2, 3), -1, "working_day"), ValueError),
        (lambda c: c.add_days(wib(2026, 2, 3), 1, "business_day"), ValueError),
        (lambda c: c.add_days(wib(2026, 2, 3), 1.5, "working_day"), TypeError),
        (lambda c: c.is_working_day(wib(2026, 2, 3)), TypeError),
        (lambda c: c.subtract_working_days(date(2026, 2, 3), -2), ValueError),
    ],
)
def test_bad_arguments(calendar, call, error) -> None:
    with pytest.raises(error):
        call(calendar)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"first_year": 2027, "last_year": 2025}, "after"),
        ({"zone": "Asia/Atlantis"}, "time zone"),
    ],
)
def test_bad_construction(arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        build(**arguments)


# An oracle that shares nothing with the calendar but the package: a plain day-by-day walk.
_PACKAGE_DAYS_OFF = set(
    holidays.country_holidays(
        "ID",
        years=range(FIRST_YEAR, LAST_YEAR + 1),
        categories=("public", "government"),
        language="id",
    )
)
_PROPERTY_CALENDAR = build()


def _is_working(day: date) -> bool:
    return day.weekday() < 5 and day not in _PACKAGE_DAYS_OFF


def _walk(day_zero: date, days: int) -> date | None:
    """The due date by stepping one day at a time, or None past the horizon."""
    due, counted = day_zero, 0
    while counted < days:
        due += timedelta(days=1)
        if due.year > LAST_YEAR:
            return None
        counted += _is_working(due)
    return due


_INSTANTS = st.datetimes(
    min_value=datetime(FIRST_YEAR, 1, 1, 12), max_value=datetime(LAST_YEAR, 12, 31, 12)
).map(lambda naive: naive.replace(tzinfo=UTC))
_DATES = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31))


@settings(database=None, max_examples=300, deadline=None)
@given(start=_INSTANTS, days=st.integers(min_value=0, max_value=80))
def test_add_working_days_matches_a_day_by_day_walk(start: datetime, days: int) -> None:
    day_zero = start.astimezone(WIB).date()
    expected = _walk(day_zero, days)
    if expected is None:
        with pytest.raises(CalendarHorizonError):
            _PROPERTY_CALENDAR.add_days(start, days, "working_day")
        return
    deadline = _PROPERTY_CALENDAR.add_days(start, days, "working_day")
    assert deadline.due_date == expected
    assert _PROPERTY_CALENDAR.working_days_between(day_zero, expected) == days
    skipped = [day_zero + timedelta(days=i) for i in range(1, (expected - day_zero).days + 1)]
    assert [day.date for day in deadline.skipped] == [d for d in skipped if not _is_working(d)]

    # Going back the same count lands on the last working day up to day 0.
    last_working = day_zero
    while last_working.year >= FIRST_YEAR and not _is_working(last_working):
        last_working -= timedelta(days=1)
    if not days:
        return
    if last_working.year < FIRST_YEAR:
        with pytest.raises(CalendarHorizonError):
            _PROPERTY_CALENDAR.subtract_working_days(expected, days)
    else:
        assert _PROPERTY_CALENDAR.subtract_working_days(expected, days) == last_working


@settings(database=None, max_examples=300, deadline=None)
@given(start=_DATES, end=_DATES)
def test_working_days_between_matches_a_day_by_day_count(start: date, end: date) -> None:
    low, high = sorted((start, end))
    count = sum(_is_working(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
    assert _PROPERTY_CALENDAR.working_days_between(start, end) == (
        count if start <= end else -count
    )
    assert _PROPERTY_CALENDAR.is_working_day(start) is _is_working(start)
