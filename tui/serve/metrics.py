"""/metrics: every account's windows and balances in the Prometheus text format.

Written with prometheus-client's own families and exposition, from the refresher's store at the
moment the data changes (not per scrape), so a scrape of 1,000 accounts is a copy of bytes.
Ratios are fractions (0.85, not 85); times are Unix seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from providers import __version__
from providers.model import AccountSnapshot
from tui.pace import window_pace

ACCOUNT = ["provider", "account"]
WINDOW = ["provider", "account", "window"]
BALANCE = ["provider", "account", "balance", "unit"]


def _ratio(percent: float) -> float:
    """A percentage as a fraction, without float noise (3.547, not 3.5469999999999997)."""
    return round(percent / 100.0, 6)


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def account_names(snapshots: Iterable[AccountSnapshot]) -> dict[str, str]:
    """Each account's `account` label, by key, unique within its provider.

    Two sources may hold accounts of one name (`work.auth.json` in two folders); Prometheus
    refuses a scrape with two series of the same labels, so a repeated name gets its source
    (`work (other/work.auth.json)`), and a number if even that repeats."""
    names: dict[str, str] = {}
    taken: set[tuple[str, str]] = set()
    for snapshot in snapshots:
        name = snapshot.account
        if (snapshot.provider, name) in taken:
            name = f"{snapshot.account} ({snapshot.source})" if snapshot.source else name
            number = 2
            while (snapshot.provider, name) in taken:
                name, number = f"{snapshot.account} #{number}", number + 1
        taken.add((snapshot.provider, name))
        names[snapshot.key] = name
    return names


def families(
    latest: Iterable[tuple[AccountSnapshot, AccountSnapshot]],
    errors: Mapping[tuple[str, str], int],
    last_success: Mapping[str, datetime],
    gone: Mapping[str, AccountSnapshot] | None = None,
) -> list[Metric]:
    """`latest` pairs each account's latest snapshot (its status) with the one whose figures
    are shown (the last good one while the latest is an error). `errors` counts failed
    fetches by (account key, status); `gone` names accounts with errors that are no longer
    found, whose counters stay (a counter never goes back)."""
    latest = list(latest)
    names = account_names([shown for _, shown in latest] + list((gone or {}).values()))
    used = GaugeMetricFamily(
        "aiquota_window_used_ratio", "Share of the window used (0-1, may pass 1).", labels=WINDOW
    )
    left = GaugeMetricFamily(
        "aiquota_window_remaining_ratio", "Share of the window left (0-1).", labels=WINDOW
    )
    resets = GaugeMetricFamily(
        "aiquota_window_resets_at_seconds", "When the window resets (Unix time).", labels=WINDOW
    )
    length = GaugeMetricFamily(
        "aiquota_window_length_seconds", "The window's length.", labels=WINDOW
    )
    delta = GaugeMetricFamily(
        "aiquota_window_pace_delta_ratio",
        "Used minus the share of the window's time gone (above 0: faster than the clock).",
        labels=WINDOW,
    )
    exhaustion = GaugeMetricFamily(
        "aiquota_window_projected_exhaustion_seconds",
        "When the window runs out at the average rate (Unix time); absent when it lasts until its reset.",
        labels=WINDOW,
    )
    balance = GaugeMetricFamily("aiquota_balance_amount", "Money or credits left.", labels=BALANCE)
    up = GaugeMetricFamily(
        "aiquota_account_up", "1 when the last fetch of the account succeeded.", labels=ACCOUNT
    )
    info = GaugeMetricFamily(
        "aiquota_account_info",
        "The account's plan, status and whether it is active (value 1).",
        labels=[*ACCOUNT, "plan", "status", "active"],
    )
    success = GaugeMetricFamily(
        "aiquota_last_success_timestamp_seconds",
        "When the account last answered (Unix time).",
        labels=ACCOUNT,
    )
    failures = CounterMetricFamily(
        "aiquota_fetch_errors", "Fetches that failed, by status.", labels=[*ACCOUNT, "status"]
    )
    build = GaugeMetricFamily(
        "aiquota_build_info", "The running version (value 1).", labels=["version"]
    )
    build.add_metric([__version__], 1.0)
    for status_of, shown in latest:
        account = [shown.provider, names[shown.key]]
        up.add_metric(account, 1.0 if status_of.ok else 0.0)
        active = "true" if status_of.active else "false"
        info.add_metric([*account, shown.plan or "", status_of.status.value, active], 1.0)
        when = last_success.get(shown.key)
        if when is not None:
            success.add_metric(account, when.timestamp())
        for window in shown.windows:
            labels = [*account, window.id]
            if window.window_seconds:
                length.add_metric(labels, float(window.window_seconds))
            reset = _seconds(window.resets_at)
            if reset is not None:
                resets.add_metric(labels, reset)
            if window.unlimited or window.used_percent is None:
                continue
            used.add_metric(labels, _ratio(window.used_percent))
            remaining = window.remaining_percent
            if remaining is not None:
                left.add_metric(labels, _ratio(remaining))
            pace = window_pace(window, shown.fetched_at)
            if pace is not None and shown.fetched_at is not None:
                delta.add_metric(labels, _ratio(pace.delta_percent))
                if not pace.lasts_until_reset and pace.eta_seconds is not None:
                    exhaustion.add_metric(labels, shown.fetched_at.timestamp() + pace.eta_seconds)
        for item in shown.balances:
            if item.amount is not None:
                balance.add_metric([*account, item.id, item.unit or ""], float(item.amount))
    providers = {s.key: s.provider for _, s in latest} | {
        key: s.provider for key, s in (gone or {}).items()
    }
    for (key, status), count in sorted(errors.items()):
        if key in names:
            failures.add_metric([providers[key], names[key], status], float(count))
    return [
        used,
        left,
        resets,
        length,
        delta,
        exhaustion,
        balance,
        up,
        info,
        success,
        failures,
        build,
    ]


class _Frozen:
    """A collector that yields families made earlier, for generate_latest."""

    def __init__(self, made: list[Metric]) -> None:
        self.made = made

    def collect(self) -> Iterable[Metric]:
        return iter(self.made)


def exposition(made: list[Metric]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Frozen(made))
    return generate_latest(registry)
