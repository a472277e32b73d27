"""The --once table's layout and words: the width it fits, --wide, one percent rule, one unit, --help."""

from __future__ import annotations

import fcntl
import io
import math
import os
import struct
import termios
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.model import AccountSnapshot, Balance, Status, Window
from tui import once as report
from tui.cli import main
from tui.config import default_config_path
from tui.format import percent
from tui.percent import percent_text
from tui.units import unit_suffix
from tui.widgets.detail import balance_line, group_line
from tui.widgets.overview import balance_text

NOW = datetime(2026, 11, 22, 3, 25, tzinfo=UTC)
LONG_LABELS = (
    "Claude Sonnet 4.6 (Thinking)",
    "Claude Opus 4.6 (Thinking)",
    "Gemini 3 Pro",
    "GPT-OSS",
)


def snapshot(account: str = "work", **fields) -> AccountSnapshot:
    fields.setdefault("status", Status.OK)
    return AccountSnapshot(provider="codex", account=account, source="test", active=False, **fields)


def many_windows() -> AccountSnapshot:
    windows = tuple(
        Window(id=f"m{index}", label=label, used_percent=10.0 * index)
        for index, label in enumerate(LONG_LABELS)
    )
    return snapshot(
        windows=(
            Window(id="five_hour", label="5h", used_percent=15),
            Window(id="weekly", label="Weekly", used_percent=38, resets_at=NOW),
            *windows,
        )
    )


def expired(account: str = "old") -> AccountSnapshot:
    return snapshot(
        account,
        status=Status.AUTH_EXPIRED,
        message="Access token expired at 2026-11-20 03:25 UTC: run `codex login` "
        "and then look again at ~/.codex/auth.json",
    )


# --- the width ---------------------------------------------------------------------------------


def test_a_long_other_moves_under_its_row_and_is_cut_to_80_columns() -> None:
    lines = report.table([many_windows(), expired()], 80).splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    header, row, other, old, *message = lines
    assert "OTHER" not in header and header.split()[-1] == "STATUS"
    assert row.startswith("codex") and row.split()[-1] == "ok"  # the status stays on the row
    # What does not fit is counted, not silently dropped.
    assert other == "  Claude Sonnet 4.6 (Thinking) 100% left, +3 more"
    assert old.split()[-1] == "auth_expired"
    # The message is on lines of its own under its row, wrapped at words, all of it kept.
    assert message and all(line.startswith("  ") for line in message)
    assert " ".join(line.strip() for line in message) == expired().message


def test_the_other_column_stays_on_the_row_when_it_fits() -> None:
    text = report.table([many_windows()], 200)
    header, row = text.splitlines()
    assert header.split()[-2:] == ["OTHER", "STATUS"]
    assert "Claude Sonnet 4.6 (Thinking) 100% left" in row and "GPT-OSS 70% left" in row
    assert row.split()[-1] == "ok"


def test_the_other_column_is_cut_with_a_count_when_a_little_is_missing() -> None:
    full = len(report.table([many_windows()], 400).splitlines()[0])  # the header: the widest
    header, row = report.table([many_windows()], full - 5).splitlines()
    assert "OTHER" in header and len(header) <= full - 5
    assert "Gemini 3 Pro 80% left, +1 more" in row and "GPT-OSS" not in row


def test_wide_keeps_every_account_on_one_line_uncut() -> None:
    lines = report.table([many_windows(), expired()], None).splitlines()
    assert len(lines) == 3
    assert lines[1].endswith(", GPT-OSS 70% left  ok") and "more" not in lines[1]
    assert lines[2].endswith(f"auth_expired: {expired().message}")


def test_once_fits_80_columns_into_a_pipe_and_wide_does_not(capsys, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["--demo", "--once", "--provider", "codex"]) == 1
    fitted = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in fitted), fitted
    assert any(
        line.startswith("codex     old") and line.endswith("auth_expired") for line in fitted
    )
    assert any(line.endswith(", +1 more") for line in fitted)

    assert main(["--demo", "--once", "--provider", "codex", "--wide"]) == 1
    wide = capsys.readouterr().out.splitlines()
    assert len(wide) == 7  # header, five accounts, the footnote
    assert max(len(line) for line in wide) > 80
    assert "Credits 14.50  ok" in wide[1]  # the item --once cut shows here
    assert any("auth_expired: Access token expired" in line for line in wide)


def test_columns_sets_the_width(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    main(["--demo", "--once", "--provider", "codex"])
    narrow = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in narrow) <= 100
    assert narrow[0].split()[-1] == "STATUS"  # OTHER has no room for a column of its own
    monkeypatch.setenv("COLUMNS", "200")
    main(["--demo", "--once", "--provider", "codex"])
    wide = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in wide) <= 200
    assert wide[0].split()[-2:] == ["OTHER", "STATUS"]  # now it has


def columns(line: str) -> int:
    """Terminal columns, measured independently of report.py: wide and full-width take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def account_rows(lines: list[str]) -> list[str]:
    """The lines of the fitted table that are an account's row (not indented, not the footnote)."""
    return [line for line in lines[1:] if not line.startswith((" ", "*"))]


def test_the_full_demo_fits_80_columns_into_a_pipe(capsys, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    main(["--demo", "--once"])  # capsys: stdout is not a terminal, so 80
    lines = capsys.readouterr().out.splitlines()
    assert max(columns(line) for line in lines) <= 80, lines
    header, rows = lines[0], account_rows(lines)
    assert len(rows) > 20 and header.split()[-1] == "STATUS"
    # Every row keeps its status word, in the one STATUS column: no column moves between rows.
    status_at = header.index("STATUS")
    assert all(len(row) > status_at and row[status_at - 1] == " " for row in rows), rows
    assert all(row[status_at:].split() == [row.split()[-1]] for row in rows)
    # Long names were cut, visibly; the active mark stays after a cut name.
    assert any("antigravity-demo@" in row and "…" in row for row in rows)
    assert any(row.startswith("antigravity  grace@") and "… *" in row for row in rows)
    # The compact reset: a reset within the week needs neither its year nor its weekday here.
    assert all("2026-" not in row for row in rows)

    main(["--demo", "--once", "--wide"])
    wide = capsys.readouterr().out
    assert "antigravity-demo@example.com" in wide and "individual_pro" in wide  # whole, to grep
    assert "…" not in wide


def hostile(account: str = "a" * 200, plan: str = "p" * 200, *, active: bool = True):
    return AccountSnapshot(
        provider="codex",
        account=account,
        source="test",
        active=active,
        status=Status.AUTH_EXPIRED,
        plan=plan,
        windows=(Window(id="weekly", label="Weekly", used_percent=38, resets_at=NOW),),
    )


@pytest.mark.parametrize("width", [80, 60])
def test_a_200_character_account_and_plan_are_cut_to_fit(width) -> None:
    lines = report.table([hostile(), many_windows()], width, now=NOW).splitlines()
    assert max(columns(line) for line in lines) <= width, lines
    header, row, ok_row, *_ = lines
    provider, account, active, plan, *_, status = row.split()
    assert (provider, active, status) == ("codex", "*", "auth_expired")  # the mark survives
    # Each keeps a share, cut with …: the name the larger one.
    assert account == "a" * (len(account) - 1) + "…" and plan == "p" * (len(plan) - 1) + "…"
    assert len(account) > len(plan) >= len("PLAN")
    assert ok_row.split()[-1] == "ok"
    assert header.index("STATUS") == row.index("auth_expired") == ok_row.index("ok")


@pytest.mark.parametrize("width", [80, 60])
def test_wide_characters_count_as_two_columns(width) -> None:
    name = "山田太郎の仕事用アカウント" * 4  # 52 characters, 104 columns
    lines = report.table([hostile(name, "プロ" * 10, active=False)], width, now=NOW).splitlines()
    assert max(columns(line) for line in lines) <= width, lines
    assert lines[1].split()[1].startswith("山田太") and lines[1].split()[-1] == "auth_expired"
    assert lines[0].index("STATUS") == columns(lines[1][: lines[1].index("auth_expired")])


def test_the_table_gives_up_the_year_the_weekday_left_and_only_then_cuts_names() -> None:
    now = datetime(2026, 12, 1, 21, 55, tzinfo=UTC)
    reset = datetime(2026, 12, 7, 9, 53, tzinfo=UTC)
    week = Window(id="weekly", label="Weekly", used_percent=38, resets_at=reset)
    rows = [snapshot("a" * 24, plan="individual_pro", windows=(week,))]
    # The row as --wide draws it, without its OTHER column: the widest the fitted table gets.
    full = len(report.table(rows, None, now=now).splitlines()[0]) - len("  OTHER")

    def at(width: int) -> str:
        text = report.table(rows, width, now=now)
        assert max(columns(line) for line in text.splitlines()) <= width
        return text

    assert "Mon 2026-12-07 09:53" in at(full)
    assert "Mon 12-07 09:53" in at(full - 1)
    assert " 12-07 09:53" in at(full - 5) and "Mon" not in at(full - 9)
    assert "5H LEFT" in at(full - 9) and at(full - 10).split()[3:5] == ["5H", "WEEK"]
    assert "a" * 24 in at(full - 19) and "individual_pro" in at(full - 19)
    # One column short: the plan, already past a third of the room, is cut; the name stays.
    assert "a" * 24 + "  individual_p…" in at(full - 20)
    assert at(60).splitlines()[1].split()[1].endswith("…")


def test_a_far_reset_keeps_its_year_in_the_compact_forms() -> None:
    far = Window(id="weekly", label="Weekly", used_percent=38, resets_at=NOW + timedelta(days=400))
    row = report.table([snapshot("a" * 40, windows=(far,))], 60, now=NOW).splitlines()[1]
    assert " 2027-12-27 " in row  # not "12-27 03:25", which reads as this year's


def test_wide_keeps_the_full_names_and_the_full_reset() -> None:
    header, row, *_ = report.table([hostile()]).splitlines()  # --wide: width None
    assert header.split()[:6] == ["PROVIDER", "ACCOUNT", "PLAN", "5H", "LEFT", "WEEK"]
    assert row.split()[:4] == ["codex", "a" * 200, "*", "p" * 200]
    assert "Sun 2026-11-22 03:25" in row and "…" not in row


@pytest.mark.parametrize(
    ("columns", "width"), [("132", 132), ("", 80), ("wide", 80), ("0", 80), ("-5", 80)]
)
def test_output_width_honours_columns_and_defaults_to_80(columns, width) -> None:
    assert report.output_width(io.StringIO(), {"COLUMNS": columns}) == width


def test_output_width_is_the_terminals_own() -> None:
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 97, 0, 0))
    with os.fdopen(follower, "w") as terminal:
        assert report.output_width(terminal, {}) == 97
        assert report.output_width(terminal, {"COLUMNS": "120"}) == 120
    os.close(leader)


# --- one percent rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (99.6, "99.6%"),  # not "100%": something is used
        (0.4, "0.4%"),  # not "0%": something is left
        (50, "50%"),
        (50.4, "50%"),
        (100, "100%"),
        (0, "0%"),
        (-0.0, "0%"),
        (99.96, "99.9%"),  # one decimal would still say 100
        (0.04, "0.1%"),
        (100.3, "100.3%"),
        (12.5, "13%"),
        (254.7, "255%"),
        (None, "–"),
        (math.nan, "–"),
        (math.inf, "–"),
    ],
)
def test_the_percent_rule(value, text) -> None:
    assert percent_text(value) == text


@pytest.mark.parametrize(("used", "left"), [(0.4, "99.6%"), (99.6, "0.4%"), (50, "50%")])
def test_the_table_and_the_app_print_the_same_percent(used, left) -> None:
    window = Window(id="monthly", label="Monthly", used_percent=used)
    assert f"Monthly {left} left" in report.table([snapshot(windows=(window,))])
    assert percent(window.remaining_percent) == left  # overview cells and the detail pane
    assert f"{left} left" in group_line(window, NOW, 60, stale=False).plain


# --- no doubled units ----------------------------------------------------------------------------

CREDITS = Balance(id="credits", label="Credits", amount=12.5, unit="credits")
CNY = Balance(id="cny", label="Balance (CNY)", amount=110, unit="CNY")
QUOTA = Balance(id="quota", label="Available", amount=8587700, unit="quota")


def test_a_label_that_names_the_unit_is_not_followed_by_it_again() -> None:
    text = report.table([snapshot(balances=(CREDITS, CNY, QUOTA))], None)
    assert "Credits 12.50, Balance (CNY) 110, Available 8,587,700 quota" in text
    assert balance_text(CREDITS) == "Credits 12.50"
    assert balance_text(CNY) == "Balance (CNY) 110"
    assert balance_line(CREDITS, 40).plain.split() == ["Credits", "12.50"]
    assert balance_line(QUOTA, 40).plain.split() == ["Available", "8,587,700", "quota"]


def test_a_window_with_a_count_and_no_share_says_what_was_used() -> None:
    # A pooled Copilot seat's AI credits (§3 2026): 31 used, no allowance known, no bar.
    seat = Window(id="ai_credits", label="AI credits", used=31.0, unit="credits")
    tokens = Window(id="daily_tokens", label="Daily input tokens", used=1500.5, unit="tokens")
    unknown = Window(id="chat", label="Chat")
    text = report.table([snapshot(windows=(seat, tokens, unknown))], None)
    assert "AI credits 31 used, Daily input tokens 1,500.50 used, Chat - left" in text


@pytest.mark.parametrize(
    ("label", "unit", "suffix"),
    [
        ("Credits", "credits", ""),
        ("USD balance", "USD", ""),
        ("Available (USD)", "USD", ""),
        ("Available", "USD", " USD"),
        ("Monthly", "M", " M"),  # a letter inside a word is not the unit
        ("Credits", None, ""),
    ],
)
def test_unit_suffix(label, unit, suffix) -> None:
    assert unit_suffix(label, unit) == suffix


# --- --help ----------------------------------------------------------------------------------


def test_help_names_the_config_file_overrides_exit_codes_and_keys(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps the options to it
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    config = str(tmp_path / "xdg" / "aiquota-tui" / "config.toml")
    assert config == str(default_config_path()) and config in out
    assert "AIQUOTA_<ID>_URL" in out and "AIQUOTA_CODEX_URL=http://127.0.0.1:8123" in out
    assert "--wide" in out and "COLUMNS" in out
    exits = out[out.index("exit status:") :]
    assert "--once      0 every account is ok; 1 at least one is not" in exits
    assert "2 bad arguments or an unreadable config file" in exits
    assert "--activate  0 switched" in exits and "no saved account of that name" in exits
    assert "the app     2 when it has no terminal" in exits and "TERM=dumb" in exits
    assert "press ? in the app" in out
    # The epilog keeps its own line breaks and fits a terminal of 80 columns.
    assert all(len(line) <= 80 for line in out.splitlines() if config not in line)


@pytest.mark.parametrize(
    ("unit", "count", "suffix"),
    [("requests", 1, " request"), ("requests", 2, " requests"), ("requests", 1.5, " requests"),
     ("credits", 1, " credit"), ("USD", 1, " USD"), ("tokens", 0, " tokens"), ("s", 1, " s")],
)  # fmt: skip
def test_a_counted_unit_takes_its_singular_for_exactly_one(unit, count, suffix) -> None:
    assert unit_suffix("Premium", unit, count) == suffix
