"""Defensive readers for JSON values from undocumented endpoints.

Numbers arrive as strings, timestamps in seconds or milliseconds or ISO text, and any
object may be null. These helpers turn all of that into Python values or None; they
never raise on odd input.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

# Epoch values above this are milliseconds (10**11 s is the year 5138).
_MILLISECONDS_THRESHOLD = 10**11

HOUR = 3600
DAY = 24 * HOUR
# No quota window, wait or token lifetime lasts a century: a longer one is a garbled number.
# Refusing it here keeps every later step (float(), now + timedelta, seconds * 60) from
# overflowing on a 3e306 that JSON allows.
MAX_SECONDS = 100 * 366 * DAY
# Datetimes this close to datetime.max (year 9999) overflow as soon as anything is added or
# they are shown in a zone east of UTC; no reset or expiry is that far ahead.
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def as_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def as_float(value: Any) -> float | None:
    """A finite float from a number or numeric string ("12", "0E-10"); booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer wider than any float (JSON allows 10**400)
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def finite(value: float | None) -> float | None:
    """The number when it is finite: None for the inf (or nan) that arithmetic on extreme but
    finite inputs can produce (120 / 5e-324), which no output can show."""
    if value is None:
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:  # an int wider than any float (a 3e306-minute window times 60)
        return None


def as_int(value: Any) -> int | None:
    number = as_float(value)
    return int(number) if number is not None else None


def as_seconds(value: Any, unit: int = 1) -> int | None:
    """A length of time given in whole `unit`s (1 for seconds, 60 for minutes …) as seconds,
    or None when it is not a positive number of them or longer than MAX_SECONDS."""
    count = as_int(value)
    if count is None or count <= 0 or count * unit > MAX_SECONDS:
        return None
    return count * unit


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def first_present(data: dict[str, Any], *keys: str) -> Any:
    """The value of the first key that is present and not null."""
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def epoch_to_datetime(value: Any) -> datetime | None:
    """Epoch seconds or milliseconds (numbers or strings) to an aware UTC datetime."""
    number = as_float(value)
    if number is None or number <= 0:
        return None
    if number > _MILLISECONDS_THRESHOLD:
        number /= 1000
    try:
        return plausible(datetime.fromtimestamp(number, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def plausible(moment: datetime) -> datetime | None:
    """The moment, or None when it is too close to datetime.max to be real or to add to."""
    return moment if moment < _LATEST else None


def iso_to_datetime(value: Any) -> datetime | None:
    """ISO 8601 text to an aware UTC datetime; a naive time is taken as UTC."""
    text = as_str(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return plausible(parsed.astimezone(UTC))
    except OverflowError:  # "0001-01-01T00:00+05:00" is before year 1 in UTC
        return None


_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")


def any_to_datetime(value: Any) -> datetime | None:
    """Epoch (s or ms) or ISO text, whichever the value turns out to be."""
    # Any number as text is an epoch, exponent forms too ("1.7987616e9", "1798761600000.0"): §0
    # lets every number arrive as a string. Anything else is ISO text or nothing.
    if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value):
        return iso_to_datetime(value)
    return epoch_to_datetime(value)


def after_seconds(now: datetime, seconds: Any) -> datetime | None:
    number = as_float(seconds)
    if number is None or number < 0 or number > MAX_SECONDS:
        return None
    try:
        return plausible(now + timedelta(seconds=number))
    except OverflowError:
        return None
