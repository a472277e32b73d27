"""Pure text formatting for the app: countdowns, ages, percentages, bars, levels.

No Textual here, so every rule the screen follows can be tested as plain functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from providers.base import Provider
from providers.kit.window_ids import length_id
from providers.model import AccountSnapshot, Status, Window
from tui.percent import percent_text

LEVELS = ("plenty", "low", "critical", "exhausted")
ZERO = timedelta(0)


def countdown(seconds: float) -> str:
    """'4d 3h', '2h 13m', '12m 05s' (seconds only under an hour), 'resetting…' at zero."""
    if seconds <= 0:
        return "resetting…"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def until(moment: datetime | None, now: datetime) -> str:
    return "-" if moment is None else countdown((moment - now).total_seconds())


def until_steady(moment: datetime, now: datetime) -> datetime | None:
    """The first moment at which until(moment, t) may read differently from until(moment, now),
    t going on from now (None: never, it reads 'resetting…'). countdown() shows whole days and
    hours, hours and minutes, or minutes and seconds: its text changes only once the seconds
    left fall below a whole hour, minute or second, so a clock ticking every second need not
    work out the countdowns that show no seconds."""
    left = (moment - now).total_seconds()
    if left <= 0:
        return None
    total = int(left)
    unit = 3600 if total >= 86400 else 60 if total >= 3600 else 1
    boundary = total // unit * unit
    # Exactly `boundary` seconds before the moment the text still reads the same (unless that
    # is the moment itself, 'resetting…'); a microsecond later it does not.
    return moment - timedelta(seconds=boundary) + (timedelta(microseconds=1) if boundary else ZERO)


def age(seconds: float) -> str:
    """A coarse age that changes at most once a minute: 'just now', '3m', '2h', '4d'."""
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def age_steady(since: datetime, now: datetime) -> datetime:
    """When age() of the time since `since` may next read differently, t going on from now:
    the next whole minute under an hour, hour under a day, day after that."""
    elapsed = (now - since).total_seconds()
    unit = 60 if elapsed < 3600 else 3600 if elapsed < 86400 else 86400
    return since + timedelta(seconds=(elapsed // unit + 1) * unit)


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    text = age((now - moment).total_seconds())
    return text if text == "just now" else f"{text} ago"


def percent(value: float | None) -> str:
    return percent_text(value)  # the one rule, shared with --once (tui/percent.py)


def level(remaining: float | None) -> str:
    """Colour class of a remaining share: plenty, low (< 50 %), critical (< 20 %), exhausted."""
    if remaining is None:
        return "plenty"
    if remaining <= 0:
        return "exhausted"
    if remaining < 20:
        return "critical"
    if remaining < 50:
        return "low"
    return "plenty"


def bar_cells(remaining: float | None, width: int) -> tuple[int, int]:
    """How many of `width` cells are filled (remaining) and empty (used)."""
    if remaining is None or width <= 0:
        return 0, max(width, 0)
    filled = round(max(0.0, min(100.0, remaining)) / 100 * width)
    if remaining > 0 and filled == 0:
        filled = 1  # a sliver left must not look exhausted
    if remaining < 100 and filled == width and width > 1:
        filled = width - 1  # nor a little used look untouched
    return filled, width - filled


def number(value: float | None) -> str:
    if value is None:
        return "?"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def next_reset(
    snapshot: AccountSnapshot, now: datetime, provider: Provider | None = None
) -> datetime | None:
    """The soonest future reset among the windows the overview shows."""
    upcoming = [
        w.resets_at
        for w in headline_windows(snapshot, provider)
        if w is not None and w.resets_at and w.resets_at > now
    ]
    return min(upcoming) if upcoming else None


def grouped(
    provider: Provider | None, windows: Sequence[Window]
) -> list[tuple[str, Window]] | None:
    """The provider's families of these windows; None when it does not group them, or when
    there are too few (two windows are shown as they are)."""
    if provider is None or len(windows) <= 2:
        return None
    return provider.group_windows(windows)


def summary_windows(snapshot: AccountSnapshot, provider: Provider | None = None) -> list[Window]:
    """The windows to summarise an account by: per-model providers fold theirs into groups."""
    groups = grouped(provider, snapshot.windows)
    if groups is not None:
        return [window for _, window in groups]
    return list(snapshot.windows)


def headline_windows(
    snapshot: AccountSnapshot, provider: Provider | None = None
) -> tuple[Window | None, Window | None]:
    """The two windows the overview shows: the first two, in display order."""
    windows = summary_windows(snapshot, provider)
    return (
        windows[0] if windows else None,
        windows[1] if len(windows) > 1 else None,
    )


def stands_in_for(windows: Sequence[Window], window: Window) -> Window | None:
    """The window `window` is shown in place of, if any: a window listed ahead of the window
    named after its own length (weekly:Fable, 7 days, ahead of `weekly`) stands in for it.
    Providers list a limit there when it binds now, or when it is fuller than the plain one,
    so a scoped limit nearly used up never hides behind a comfortable figure."""
    if not window.window_seconds:
        return None
    own_id = length_id(window.window_seconds)[0]
    if own_id == window.id:
        return None
    after = False
    for other in windows:
        if other is window:
            after = True
        elif after and other.id == own_id:
            return other
    return None


def slot_window(windows: Sequence[Window], own_id: str) -> Window | None:
    """What a column for `own_id` (the --once table's 5H and WEEK) shows: the window of that
    id, or the first window that stands in for it; None when the account has no such window."""
    own = next((window for window in windows if window.id == own_id), None)
    if own is None:
        return None
    for window in windows:
        if window is own:
            return own
        if stands_in_for(windows, window) is own:
            return window
    return own


STATUS_WORDS = {
    Status.OK: "ok",
    Status.AUTH_EXPIRED: "expired",
    Status.FORBIDDEN: "forbidden",
    Status.RATE_LIMITED: "rate-limited",
    Status.UNREACHABLE: "offline",
    Status.BAD_RESPONSE: "bad answer",
    Status.ERROR: "error",
}


# Problems that pass by themselves show how long they have lasted; these do not.
AGELESS = (Status.OK, Status.AUTH_EXPIRED, Status.FORBIDDEN)


def status_word(status: Status, since: datetime | None, now: datetime) -> str:
    """'ok', or the problem in a word with its age: 'offline 3m', 'expired'."""
    word = STATUS_WORDS[status]
    if status in AGELESS or since is None:
        return word
    elapsed = (now - since).total_seconds()
    return word if elapsed < 60 else f"{word} {age(elapsed)}"


def fitting(forms: Sequence[str], width: int | None) -> str:
    """The first form (longest first) that fits in `width` cells; the last when none does."""
    if width is None:
        return forms[0]
    for form in forms:
        if len(form) <= width:
            return form
    return forms[-1]


# Which windows make an account exhausted, and when it is usable again:
# - only an answered account (status ok) can be exhausted; a failing one shows its problem;
# - the windows that count are the two the overview shows (the account's main limits, or for
#   per-model providers their model families), not unlimited ones nor ones whose share is
#   unknown. Further windows are per-model or per-feature extras (Codex's Spark limits,
#   Zhipu's monthly MCP calls, Claude's Opus week): one of them at 0 % leaves the account
#   usable, so calling it exhausted beside two healthy bars would be a false alarm;
# - a shown window that stands in for another (stands_in_for: Claude's Opus week shown in the
#   weekly place because it is fuller) counts only when it binds (the service says it is
#   holding the account back); the window it displaced always counts, as if it were shown;
# - the account is free again only once EVERY exhausted window has reset, so the reset shown
#   is the latest of theirs (not the soonest, which the RESET column shows). A family's own
#   reset is its earliest member's, so for a family the used-up members' resets count.
#   When one of them gives no reset time, none is shown.
def _used_up(window: Window | None) -> bool:
    return (
        window is not None
        and not window.unlimited
        and window.remaining_percent is not None
        and window.remaining_percent <= 0
    )


def exhausted_windows(snapshot: AccountSnapshot, provider: Provider | None = None) -> list[Window]:
    """The windows that make an ok account exhausted (the rule above); [] when it is not."""
    if not snapshot.ok:
        return []
    headline = headline_windows(snapshot, provider)
    if provider is None or grouped(provider, snapshot.windows) is None:
        return [window for window in _counted(snapshot.windows, headline) if _used_up(window)]
    shown = [window for window in headline if _used_up(window)]
    if not shown:
        return []
    families = {window.label for window in shown if window is not None}
    return [w for w in snapshot.windows if _used_up(w) and _family(provider, w) in families]


def _counted(windows: Sequence[Window], shown: Sequence[Window | None]) -> list[Window]:
    """The shown windows as exhaustion counts them (the rule above), each once."""
    counted: list[Window] = []
    for window in shown:
        if window is None:
            continue
        displaced = stands_in_for(windows, window)
        for one in (window if displaced is None or window.binding else None, displaced):
            if one is not None and all(one is not kept for kept in counted):
                counted.append(one)
    return counted


def _family(provider: Provider, window: Window) -> str | None:
    groups = provider.group_windows((window,))
    return groups[0][0] if groups else None


def usable_again(windows: Sequence[Window]) -> datetime | None:
    """When every one of these exhausted windows has reset; None when one does not say."""
    resets = [window.resets_at for window in windows]
    if not resets or any(reset is None for reset in resets):
        return None
    return max(reset for reset in resets if reset is not None)


def exhausted_text(
    snapshot: AccountSnapshot,
    now: datetime,
    width: int | None = None,
    provider: Provider | None = None,
    *,
    windows: Sequence[Window] | None = None,
) -> str | None:
    """'exhausted · resets 4h 10m' (shorter forms when `width` is tight), or None when the
    account is not exhausted. The overview's status column and the detail pane both say this;
    the overview passes the `windows` it found when the answer came, not to look every second."""
    if windows is None:
        windows = exhausted_windows(snapshot, provider)
    if not windows:
        return None
    freed = usable_again(windows)
    if freed is None:
        return "exhausted"
    if freed <= now:
        return fitting(("exhausted · resetting…", "exhausted"), width)
    left = until(freed, now)
    return fitting((f"exhausted · resets {left}", f"exhausted {left}", "exhausted"), width)
