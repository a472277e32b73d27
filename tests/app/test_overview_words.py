"""The overview's rules as plain functions: when an account is exhausted and what it says,
the "most remaining" order, counted nouns, and how columns share the width."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.app import make_app, settle

from providers.base import Account
from providers.kit.words import plural
from providers.model import AccountSnapshot, Balance, Status, Window
from providers.registry import BY_ID
from tui.format import exhausted_text
from tui.store.sorting import sort_entries
from tui.store.store import Entry
from tui.widgets.overview import EXHAUSTED_STYLE, Columns, Needs, status_style, status_text

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CODEX, GEMINI, NEWAPI = BY_ID["codex"], BY_ID["gemini"], BY_ID["newapi"]


def hours(n: float) -> datetime:
    return NOW + timedelta(hours=n)


def snapshot(
    *windows: Window, status: Status = Status.OK, balances=(), name="a"
) -> AccountSnapshot:
    return AccountSnapshot(
        provider="codex",
        account=name,
        source="test",
        active=False,
        status=status,
        message=None if status is Status.OK else "broken",
        windows=windows,
        balances=balances,
    )


def window(window_id: str, left: float | None, reset: datetime | None = None, **kw) -> Window:
    used = None if left is None else 100 - left
    return Window(id=window_id, label=window_id, used_percent=used, resets_at=reset, **kw)


def entry(shot: AccountSnapshot, provider=CODEX, *, loading=False) -> Entry:
    account = Account(provider=provider.id, label=shot.account, source=shot.account)
    return Entry(provider, account, shot, last_good=shot if shot.ok else None, loading=loading)


# ------------------------------------------------------------------------- exhausted


def test_a_used_up_window_makes_the_account_exhausted_until_its_reset() -> None:
    shot = snapshot(window("five_hour", 0, hours(4 + 10 / 60)), window("weekly", 40, hours(50)))
    assert exhausted_text(shot, NOW) == "exhausted · resets 4h 10m"
    assert status_text(entry(shot), NOW, 30) == "exhausted · resets 4h 10m"
    # a narrower status column keeps the word and gives up the rest first
    assert status_text(entry(shot), NOW, 17) == "exhausted 4h 10m"
    assert status_text(entry(shot), NOW, 12) == "exhausted"
    assert status_style(entry(shot)) == EXHAUSTED_STYLE == "bold $error"


def test_two_exhausted_windows_free_the_account_only_when_both_have_reset() -> None:
    shot = snapshot(window("five_hour", 0, hours(2)), window("weekly", 0, hours(30)))
    assert exhausted_text(shot, NOW) == "exhausted · resets 1d 6h"  # the later one
    unknown = snapshot(window("five_hour", 0, hours(2)), window("weekly", 0, None))
    assert exhausted_text(unknown, NOW) == "exhausted"  # one of them does not say when
    past = snapshot(window("five_hour", 0, NOW - timedelta(seconds=5)), window("weekly", 50))
    assert exhausted_text(past, NOW) == "exhausted · resetting…"


def test_what_does_not_make_an_account_exhausted() -> None:
    unlimited = Window(id="chat", label="Chat", unlimited=True)
    assert exhausted_text(snapshot(window("five_hour", 1, hours(1)), unlimited), NOW) is None
    assert exhausted_text(snapshot(window("five_hour", None, hours(1))), NOW) is None
    # a per-model extra beyond the two windows shown leaves the account usable
    extra = window("spark:five_hour", 0, hours(1))
    assert exhausted_text(snapshot(window("a", 50), window("b", 60), extra), NOW) is None
    # an account with a problem shows its problem, not its last good data's state
    broken = entry(snapshot(window("five_hour", 0, hours(1)), status=Status.UNREACHABLE))
    assert status_text(broken, NOW) == "offline"


def test_a_model_family_is_free_when_its_used_up_models_have_reset() -> None:
    # Gemini Pro family: one model used up until 9h, the other fine but resetting in 1h; the
    # family's own reset is its earliest member's, yet the account waits for the 9h one.
    models = (
        window("model:claude-sonnet-4", 80, hours(3)),
        window("model:gemini-2.5-pro", 0, hours(9)),
        window("model:gemini-2.5-pro-preview", 70, hours(1)),
    )
    shot = snapshot(*models)
    assert exhausted_text(shot, NOW, provider=GEMINI) == "exhausted · resets 9h 00m"


async def test_the_detail_pane_says_exhausted_too(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["copilot"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        pane = app.query_one("#pane-copilot")
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "octocat"))
        await pilot.pause()
        body = pane.detail.query_one(".detail-body").render()
        assert "exhausted · resets" in str(body)


# --------------------------------------------------------------------- most remaining


def test_most_remaining_puts_usable_accounts_first_and_problems_last() -> None:
    half = entry(snapshot(window("five_hour", 50), name="half"))
    unlimited = entry(
        snapshot(Window(id="quota", label="Quota", unlimited=True), name="unl"), NEWAPI
    )
    balances = entry(snapshot(balances=(Balance(id="usd", label="USD", amount=3),), name="bal"))
    exhausted = entry(snapshot(window("five_hour", 0), name="empty"))
    failing = entry(snapshot(status=Status.AUTH_EXPIRED, name="expired"))
    stale = entry(snapshot(window("five_hour", 99), name="stale"))
    stale.snapshot = snapshot(status=Status.UNREACHABLE, name="stale")  # last good: 99 % left
    waiting = entry(snapshot(name="waiting"), loading=True)
    shuffled = [waiting, failing, stale, balances, exhausted, half, unlimited]
    ordered = sort_entries(shuffled, "remaining", [CODEX, NEWAPI], NOW)
    names = [e.snapshot.account for e in ordered]
    # unlimited counts as 100 % left; balance-only accounts after every windowed one; then
    # problems (in provider order, whatever their last good data said); never answered last
    assert names[:4] == ["unl", "half", "empty", "bal"]
    assert set(names[4:6]) == {"expired", "stale"} and names[6] == "waiting"


def test_a_sort_from_the_last_sorts_keys_orders_as_a_sort_from_scratch() -> None:
    """The app sorts again from the keys it kept, working out only those of the entries that
    changed (and, by soonest reset, those whose reset has passed): the same order."""
    left = [90, 10, 50, 70, 30]
    entries = [
        entry(snapshot(window("five_hour", n, hours(i + 1)), name=f"n{i}"))
        for i, n in enumerate(left)
    ]
    for mode in ("provider", "remaining", "reset"):
        keys: dict[str, tuple] = {}
        sort_entries(entries, mode, [CODEX], NOW, keys)
        # Two answers change two accounts; two and a half hours go by (n1's reset passes).
        entries[0].snapshot = entries[0].last_good = snapshot(
            window("five_hour", 5, hours(9)), name="n0"
        )
        entries[3].snapshot = snapshot(status=Status.UNREACHABLE, name="n3")
        later = NOW + timedelta(hours=2.5)
        changed = {entries[0].key, entries[3].key}
        again = sort_entries(entries, mode, [CODEX], later, dict(keys), changed)
        fresh = sort_entries(entries, mode, [CODEX], later)
        assert [e.key for e in again] == [e.key for e in fresh], mode
        if mode == "remaining":  # told of no change, the kept keys give another order
            kept = sort_entries(entries, mode, [CODEX], later, dict(keys), set())
            assert [e.key for e in kept] != [e.key for e in fresh]
        entries[0].snapshot = entries[0].last_good = snapshot(
            window("five_hour", 90, hours(1)), name="n0"
        )
        entries[3].snapshot = entries[3].last_good


# --------------------------------------------------------------------------- counts


def test_counts_take_the_singular_for_exactly_one() -> None:
    assert plural(1, "account") == "1 account"
    assert plural(0, "account") == "0 accounts"
    assert plural(3821, "request") == "3821 requests"
    assert plural(12.5, "request") == "12.5 requests"
    assert plural(1.0, "request") == "1 request"


async def test_one_account_is_counted_as_one(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["moonshot"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert str(app.query_one("#overview-sort").render()).startswith("1 account ·")
        await pilot.press("R")
        assert "Refreshing 1 account…" in [n.message for n in app._notifications]


# -------------------------------------------------------------------------- columns


def test_columns_give_up_bars_then_plan_then_names_and_never_the_status() -> None:
    needs = Needs(provider=11, account=30, plan=14, label=7, status=12, status_full=26)
    widths = {w: Columns.for_width(w - 2, needs) for w in (60, 80, 120, 200)}  # - TabPane padding
    for width, columns in widths.items():
        assert columns.width() == width - 3, width  # the row fills the pane, bar the scrollbar
        assert columns.status >= needs.status, width
    assert widths[60].bar == 0 and widths[60].plan == 0 and widths[60].account < 30
    # at 80 a long name keeps 20 cells before the plan may have any
    assert widths[80].bar == 0 and widths[80].plan == 0 and widths[80].account == 20
    shorter = Columns.for_width(78, replace(needs, account=17))
    assert shorter.account == 17 and shorter.plan > 0 and shorter.bar == 0
    assert widths[120].bar > 0 and widths[120].plan > 0
    wide = widths[200]
    assert (wide.provider, wide.account, wide.plan) == (11, 30, 14) and wide.status >= 26
    assert wide.bar == 24
