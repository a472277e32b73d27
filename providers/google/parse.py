"""The Code Assist answers read into windows: quota buckets, models, project, 403 bodies. Pure."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from providers.base import ParseError
from providers.kit.values import any_to_datetime, as_dict, as_float, as_list, as_str, first_present
from providers.model import Window

# Words of a 403 body that asks to verify the account (in its message, reason or metadata).
_VERIFY_MARKERS = (
    "verify",
    "verification",
    "validation_required",
    "validation_url",
    "signin/continue",
)


def verification_text(body: Any) -> str | None:
    """The server's sentence when a 403 body asks to verify the account, else None.

    Google's error body: {"error": {"code": 403, "message": "…", "status": "PERMISSION_DENIED",
    "details": [{"reason": "VALIDATION_REQUIRED", "metadata": {"validation_url": "…"}}]}}.
    """
    data = as_dict(body)
    if data is None:
        return None
    error = data.get("error")
    nested = as_dict(error)
    message = as_str(nested.get("message")) if nested else as_str(error)
    pieces = [message or ""]
    if nested is not None:
        pieces.append(as_str(nested.get("status")) or "")
        for detail in as_list(nested.get("details")):
            item = as_dict(detail) or {}
            pieces.append(as_str(item.get("reason")) or "")
            metadata = as_dict(item.get("metadata")) or {}
            pieces.extend(str(key) for key in metadata)
            pieces.extend(str(value) for value in metadata.values() if isinstance(value, str))
    text = " ".join(pieces).lower()
    if not any(marker in text for marker in _VERIFY_MARKERS):
        return None
    return message or ""


def parse_load_code_assist(data: Any) -> tuple[str | None, str | None]:
    """loadCodeAssist → (project id, plan). Pure."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the loadCodeAssist answer is not a JSON object")
    raw = document.get("cloudaicompanionProject")
    project = as_str(raw)
    if project is None:
        nested = as_dict(raw)
        project = as_str(nested.get("id")) if nested else None
    tier = as_dict(document.get("currentTier")) or as_dict(document.get("paidTier")) or {}
    return project, as_str(tier.get("id"))


# --------------------------------------------------------------------------- quota answers


def _used_percent(fraction: float) -> float:
    # A remaining fraction outside [0, 1] is nonsense: clamp, so 1 - (-1e306) cannot overflow.
    return round(min(100.0, max(0.0, (1.0 - fraction) * 100.0)), 4)


def _used_and_limit(fraction: float, remaining: float | None) -> tuple[float | None, float | None]:
    """used/limit from remainingAmount, when the fraction makes the limit derivable."""
    if remaining is None or fraction <= 0 or remaining < 0:
        return None, None
    ratio = remaining / fraction
    if not math.isfinite(ratio):  # 1e308 / 1e-10: no limit worth showing
        return None, None
    limit = float(round(ratio))
    if limit < remaining:
        return None, None
    return limit - remaining, limit


@dataclass(frozen=True)
class _Bucket:
    """One readable bucket: its window, model id, and token type (None for requests)."""

    window: Window
    model: str
    kind: str | None


def _bucket(item: Any) -> _Bucket | None:
    entry = as_dict(item)
    if entry is None:
        return None
    model = as_str(entry.get("modelId"))
    if model is None:
        return None
    token_type = as_str(entry.get("tokenType"))
    raw_fraction = entry.get("remainingFraction")
    fraction = as_float(raw_fraction)
    if raw_fraction is not None and fraction is None:
        return None
    # Protobuf JSON leaves zeros out: a bucket without a fraction has nothing left.
    fraction = 0.0 if fraction is None else fraction
    used, limit = _used_and_limit(fraction, as_float(entry.get("remainingAmount")))
    kind = None
    if token_type and token_type.upper() != "REQUESTS":
        # Only identifier-like types are lowercased: other server text stays verbatim, so
        # that a credential echoed back is still recognised and masked downstream.
        kind = token_type.lower() if re.fullmatch(r"[A-Z_]{1,32}", token_type) else token_type
    window = Window(
        id=f"model:{model}",
        label=model,
        used_percent=_used_percent(fraction),
        resets_at=any_to_datetime(entry.get("resetTime")),
        used=used,
        limit=limit,
        unit=kind or "requests",
    )
    return _Bucket(window, model, kind)


def _bucket_windows(buckets: list[_Bucket]) -> list[Window]:
    """`model:<modelId>` per bucket (PROVIDERS.md §5); the token type joins the id and label
    only for a model that has buckets of several types, so that neither hides the other."""
    kinds: dict[str, set[str | None]] = {}
    for bucket in buckets:
        kinds.setdefault(bucket.model, set()).add(bucket.kind)
    windows = []
    for bucket in buckets:
        window = bucket.window
        if bucket.kind is not None and len(kinds[bucket.model]) > 1:
            window = replace(
                window,
                id=f"{window.id}:{bucket.kind}",
                label=f"{bucket.model} ({bucket.kind})",
            )
        windows.append(window)
    return windows


def _ordered(windows: list[Window], key: Any) -> tuple[Window, ...]:
    """Sorted, and one window per id (the most used one, to err on the safe side)."""
    by_id: dict[str, Window] = {}
    for window in windows:
        kept = by_id.get(window.id)
        if kept is None or (window.used_percent or 0) > (kept.used_percent or 0):
            by_id[window.id] = window
    return tuple(sorted(by_id.values(), key=key))


def _member(data: Any, key: str, answer: str) -> Any:
    """The answer object's `key` member, None for none at all: protobuf JSON leaves an
    empty list or map out, so {} (and a null) means "nothing", not a bad answer."""
    document = as_dict(data)
    if document is None:
        raise ParseError(f"the {answer} answer is not a JSON object")
    if not document:
        return None
    if key not in document:
        raise ParseError(f"the {answer} answer has no {key}")
    return document[key]


def parse_user_quota(data: Any) -> tuple[Window, ...]:
    """retrieveUserQuota → one window per bucket, ordered by model id. Pure."""
    buckets = _member(data, "buckets", "quota")
    if buckets is None:
        return ()
    if not isinstance(buckets, list):
        raise ParseError("buckets in the quota answer is not a list")
    readable = [bucket for bucket in map(_bucket, buckets) if bucket is not None]
    windows = _bucket_windows(readable)
    if buckets and not windows:
        raise ParseError("no usable bucket in the quota answer")
    return _ordered(windows, key=lambda w: w.id)


def _model_window(model: str, item: Any) -> tuple[bool, Window | None]:
    """(well-formed, window) for one model; no quotaInfo means no quota data (skipped)."""
    entry = as_dict(item)
    if entry is None:
        return False, None
    quota = entry.get("quotaInfo")
    if quota is None:
        return True, None
    info = as_dict(quota)
    if info is None:
        return False, None
    raw_fraction = info.get("remainingFraction")
    fraction = as_float(raw_fraction)
    if raw_fraction is not None and fraction is None:
        return False, None
    # quotaInfo without remainingFraction: exhausted (protobuf JSON omits the zero).
    fraction = 0.0 if fraction is None else fraction
    return True, Window(
        id=f"model:{model}",
        label=as_str(entry.get("displayName")) or model,
        used_percent=_used_percent(fraction),
        resets_at=any_to_datetime(info.get("resetTime")),
    )


def _model_items(models: Any) -> list[tuple[str | None, Any]]:
    """(model id, entry) pairs from the object form, or from a list of entries."""
    if isinstance(models, dict):
        return [(str(key), value) for key, value in models.items()]
    items: list[tuple[str | None, Any]] = []
    for value in as_list(models):
        entry = as_dict(value) or {}
        items.append((as_str(first_present(entry, "modelId", "model", "id", "name")), value))
    return items


def parse_available_models(data: Any) -> tuple[Window, ...]:
    """fetchAvailableModels → one window per model with quota info, by display name. Pure."""
    models = _member(data, "models", "models")
    if models is None:
        return ()
    if not isinstance(models, (dict, list)):
        raise ParseError("models in the answer is not an object")
    items = _model_items(models)
    windows: list[Window] = []
    malformed = 0
    for model, value in items:
        well_formed, window = _model_window(model, value) if model else (False, None)
        malformed += not well_formed
        if window is not None:
            windows.append(window)
    if items and malformed == len(items):
        raise ParseError("no usable model in the models answer")
    return _ordered(windows, key=lambda w: (w.label.casefold(), w.id))
