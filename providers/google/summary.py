"""Antigravity's quota summary and how it joins the per-model answer (PROVIDERS.md §5,
Changes in 2026). Pure.

The Antigravity 2.x app and the `agy` CLI show two quota groups ("Gemini Models", "Claude and
GPT models"), each with a 5-hour and a weekly limit its models share; cloudcode-pa answers
them at v1internal:retrieveUserQuotaSummary. One window per bucket, `<group slug>:<length
id>`. The per-model fetchAvailableModels answer can be an all-100 % placeholder that says
nothing about use: beside a summary that shows use, it is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from providers.base import ParseError
from providers.kit.http import FetchError
from providers.kit.values import (
    DAY,
    HOUR,
    any_to_datetime,
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    first_present,
)
from providers.kit.window_ids import length_id, namespaced, slug
from providers.model import Window

FIVE_HOURS = 5 * HOUR
WEEK = 7 * DAY
SUMMARY_DETAIL = "Quota summary"
MODELS_DETAIL = "Per-model quota"
PLACEHOLDER_NOTE = "not shown: every model at 100 % left, which the quota summary contradicts"

# Words of a bucketId or displayName that give its length (lower case, `_` and `-` as spaces).
_FIVE_HOUR_WORDS = re.compile(r"\b(?:5h|5 hours?|five hours?|session)\b")
_WEEK_WORDS = re.compile(r"\b(?:weekly|week|7d)\b")
# Within a group: the 5-hour window, then the weekly one, then buckets of unknown length.
_RANK = {FIVE_HOURS: 0, WEEK: 1}


class SummaryUnusable(ParseError):
    """A summary answer that is no summary: ignored beside the per-model answer."""


def _words(text: str | None) -> str:
    return re.sub(r"[\s_-]+", " ", (text or "").lower())


def _length(*names: str | None) -> int | None:
    """18000 or 604800 from the first name that says 5-hour or weekly, else None."""
    for name in names:
        words = _words(name)
        if _FIVE_HOUR_WORDS.search(words):
            return FIVE_HOURS
        if _WEEK_WORDS.search(words):
            return WEEK
    return None


def _fraction(bucket: dict[str, Any]) -> float | None:
    """`remainingFraction`, `remaining.remainingFraction`, or `remaining` as a protobuf oneof
    `{case: "remainingFraction", value}`; None when none of them is a number."""
    direct = as_float(bucket.get("remainingFraction"))
    if direct is not None:
        return direct
    remaining = as_dict(bucket.get("remaining")) or {}
    nested = as_float(remaining.get("remainingFraction"))
    if nested is not None:
        return nested
    if as_str(remaining.get("case")) == "remainingFraction":
        return as_float(remaining.get("value"))
    return None


def _used_percent(fraction: float) -> float:
    # A fraction outside [0, 1] is nonsense: clamp, so no share is below 0 or above 100.
    return round(min(100.0, max(0.0, (1.0 - fraction) * 100.0)), 4)


@dataclass(frozen=True)
class _Read:
    rank: int
    index: int
    window: Window


def _bucket_window(group: str, index: int, item: Any) -> _Read | None:
    """One bucket's window; None for a bucket that is disabled or says nothing of use."""
    bucket = as_dict(item)
    if bucket is None or as_bool(bucket.get("disabled")) is True:
        return None
    fraction = _fraction(bucket)
    if fraction is None:
        return None  # unlike a model's quotaInfo, a bucket without a fraction is unknown use
    bucket_id = as_str(bucket.get("bucketId"))
    name = as_str(bucket.get("displayName"))
    seconds = _length(bucket_id, name)
    if seconds is not None:
        window_id, _ = namespaced(group, seconds)
        label = f"{group} {length_id(seconds)[1]}"
    else:
        window_id = f"{slug(group)}:{slug(bucket_id or name or 'limit')}"
        label = f"{group} {name or bucket_id or 'limit'}"
    window = Window(
        id=window_id,
        label=label,
        used_percent=_used_percent(fraction),
        resets_at=any_to_datetime(bucket.get("resetTime")),
        window_seconds=seconds,
    )
    return _Read(_RANK.get(seconds or 0, 2), index, window)


def _groups(document: dict[str, Any]) -> list[Any] | None:
    """The `groups` list under `response`, under `summary`, or at the root."""
    for container in (document.get("response"), document.get("summary"), document):
        found = (as_dict(container) or {}).get("groups")
        if isinstance(found, list):
            return found
    return None


def _error_code(document: dict[str, Any]) -> int | None:
    for container in (document, as_dict(document.get("response")) or {}):
        code = as_int(container.get("code"))
        if code:
            return code
    return None


def parse_quota_summary(data: Any) -> tuple[Window, ...]:
    """retrieveUserQuotaSummary → one window per usable bucket, groups in answer order, in
    each the 5-hour window first. Raises SummaryUnusable for anything that is no summary."""
    document = as_dict(data)
    if document is None:
        raise SummaryUnusable("the answer is not a JSON object")
    code = _error_code(document)
    if code is not None:
        raise SummaryUnusable(f"code {code}")
    groups = _groups(document)
    if groups is None:
        if first_present(document, "buckets", "models") is not None:
            raise SummaryUnusable("the answer lists models, not groups")
        raise SummaryUnusable("the answer has no groups")
    windows: list[Window] = []
    for item in groups:
        group = as_dict(item) or {}
        name = as_str(group.get("displayName")) or as_str(group.get("name"))
        if name is None:
            continue
        buckets = [_bucket_window(name, i, b) for i, b in enumerate(as_list(group.get("buckets")))]
        read = sorted((b for b in buckets if b is not None), key=lambda b: (b.rank, b.index))
        windows.extend(b.window for b in read)
    if not windows:
        raise SummaryUnusable("no group has a usable limit")
    return tuple(windows)


def group_name(window: Window) -> str | None:
    """The summary group a window belongs to ("Gemini Models"), None for a per-model window.

    Read back from the window alone (the app folds any set of windows, even one): its label
    starts with the group's name, the words whose slug is the id's part before the colon."""
    group_slug, colon, _ = window.id.partition(":")
    if not colon or group_slug in ("model", "group"):
        return None
    words = window.label.split(" ")
    for end in range(1, len(words)):
        name = " ".join(words[:end])
        if slug(name) == group_slug:
            return name
    return group_slug


# --------------------------------------------------------------------------- the two together


def _placeholder(models: tuple[Window, ...], summary: tuple[Window, ...]) -> bool:
    """Every model untouched (remainingFraction 1) while the summary shows use."""
    untouched = bool(models) and all(w.used_percent == 0 for w in models)
    return untouched and any((w.used_percent or 0) > 0 for w in summary)


def _why(error: Exception) -> str:
    if isinstance(error, FetchError):
        return f"unavailable: {error.message}"
    return f"unavailable: unexpected answer ({error})"


def combine(
    models: tuple[Window, ...] | FetchError | ParseError,
    summary: tuple[Window, ...] | FetchError | ParseError,
) -> tuple[tuple[Window, ...], tuple[tuple[str, str], ...]]:
    """(windows, detail lines) from the per-model windows and the summary windows, each one
    the error that stood in its way. With no usable summary the per-model answer stands
    alone, as before, its error raised; a good summary comes first and carries the account
    even when the per-model call failed."""
    if not isinstance(summary, tuple):
        if not isinstance(models, tuple):
            raise models
        return models, ((SUMMARY_DETAIL, _why(summary)),)
    if not isinstance(models, tuple):
        return summary, ((MODELS_DETAIL, _why(models)),)
    if _placeholder(models, summary):
        return summary, ((MODELS_DETAIL, PLACEHOLDER_NOTE),)
    return summary + models, ()
