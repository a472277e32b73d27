"""`aiquota-tui status` from prepared cache files: the line, tmux, Waybar, stale and no cache."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tui.commands.status import NO_DATA, main

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(wid: str, left: float | None, resets_in: timedelta | None = None, stage=None) -> dict:
    return {
        "id": wid,
        "label": wid,
        "used_percent": None if left is None else 100 - left,
        "remaining_percent": left,
        "resets_at": iso(NOW + resets_in) if resets_in else None,
        "window_seconds": None,
        "used": None,
        "limit": None,
        "unit": None,
        "unlimited": False,
        "binding": False,
        "pace": None if stage is None else {"stage": stage},
    }


def account(
    provider: str, name: str, *windows: dict, active=False, age=timedelta(0), **extra
) -> dict:
    entry: dict[str, Any] = {
        "provider": provider,
        "account": name,
        "active": active,
        "source": f"~/{name}",
        "plan": None,
        "status": "ok",
        "message": None,
        "fetched_at": iso(NOW - age),
        "windows": list(windows),
        "balances": [],
    }
    entry.update(extra)
    return entry


def cache(tmp_path: Path, *accounts: dict, interval: float = 300) -> Path:
    path = tmp_path / "latest.json"
    document = {
        "schema": 1,
        "generated_at": iso(NOW),
        "accounts": list(accounts),
        "refresh_interval": interval,
        "providers": {
            "codex": {"name": "Codex", "short": "cdx"},
            "claude": {"name": "Claude", "short": "cl"},
            "copilot": {"name": "GitHub Copilot", "short": "cop"},
        },
    }
    path.write_text(json.dumps(document))
    return path


def run(capsys, path: Path, *args: str) -> tuple[int, str]:
    code = main(list(args), now=NOW, path=path)
    return code, capsys.readouterr().out.rstrip("\n")


H = timedelta(hours=1)


@pytest.fixture
def three(tmp_path: Path) -> Path:
    return cache(
        tmp_path,
        account("codex", "side", window("five_hour", 95, H), window("weekly", 90, 50 * H)),
        account(
            "codex",
            "work",
            window("five_hour", 85, 2 * H),
            window("weekly", 62, 70 * H),
            active=True,
        ),
        account("claude", "a", window("five_hour", 20, H), window("weekly", 70, 9 * H)),
        account("claude", "b", window("five_hour", 77, H), window("weekly", 59, 9 * H)),
        account("copilot", "mona", window("monthly", 58, 200 * H)),
    )


def test_one_chunk_per_provider_the_active_account_else_most_headroom(capsys, three) -> None:
    assert run(capsys, three) == (0, "cdx 85·62  cl 77·59  cop 58")


def test_all_gives_one_chunk_per_account(capsys, three) -> None:
    code, line = run(capsys, three, "--all", "--sep", " | ")
    assert code == 0
    assert line.split(" | ") == [
        "cdx:side 95·90",
        "cdx:work 85·62",
        "cl:a 20·70",
        "cl:b 77·59",
        "cop:mona 58",
    ]


def test_selection_by_provider_and_account(capsys, three) -> None:
    assert run(capsys, three, "--provider", "claude")[1] == "cl 77·59"
    assert run(capsys, three, "--provider", "claude", "--account", "a")[1] == "cl 20·70"
    assert (
        run(capsys, three, "--provider", "codex", "--provider", "copilot")[1] == "cdx 85·62  cop 58"
    )


def test_format_fields(capsys, tmp_path: Path) -> None:
    path = cache(
        tmp_path,
        account(
            "codex",
            "work",
            window("five_hour", 85.4, 2 * H + timedelta(minutes=10), "deficit"),
            window("weekly", 61.5, 70 * H),
            active=True,
        ),
    )
    code, line = run(
        capsys, path, "--format", "{p}|{provider}|{account}|{w1}|{w2}|{left}|{reset}|{pace}"
    )
    assert (code, line) == (0, "cdx|codex|work|85|62|62|2h10m|▲")
    assert run(capsys, path, "--format", "{pace}", "--ascii")[1] == "+"


def test_a_bad_format_is_a_usage_error(capsys, three) -> None:
    assert main(["--format", "{nope}"], now=NOW, path=three) == 2


def test_tmux_colours_by_what_is_left_and_resets_after_each_chunk(capsys, tmp_path: Path) -> None:
    path = cache(
        tmp_path,
        account("codex", "w", window("five_hour", 85), window("weekly", 62), active=True),
        account("claude", "c", window("five_hour", 15)),
        account("copilot", "m", window("monthly", 0)),
    )
    code, line = run(capsys, path, "--tmux")
    assert code == 0
    assert line == (
        "#[fg=#4cc38a]cdx 85·62#[default]  #[fg=#f25f5c]cl 15#[default]  "
        "#[fg=#b85c8e]cop 0#[default]"
    )


def test_tmux_escapes_hashes_in_names(capsys, tmp_path: Path) -> None:
    path = cache(tmp_path, account("codex", "#[fg=red]x#(rm -rf ~)", window("five_hour", 50)))
    line = run(capsys, path, "--tmux", "--all")[1]
    assert "#(" not in line.replace("##", "")
    assert "##[fg=red]x##(rm" in line


def test_control_characters_in_names_never_reach_the_terminal(capsys, tmp_path: Path) -> None:
    path = cache(tmp_path, account("codex", "evil\x1b]0;pwned\x07name", window("five_hour", 50)))
    line = run(capsys, path, "--all")[1]
    assert "\x1b" not in line and "\x07" not in line


def test_ascii_has_no_character_outside_ascii(capsys, tmp_path: Path, three: Path) -> None:
    line = run(capsys, three, "--ascii", "--all")[1]
    assert line.isascii() and "95/90" in line
    stale = cache(tmp_path, account("codex", "ünï", window("five_hour", 50), age=2 * H))
    assert run(capsys, stale, "--ascii", "--all")[1].isascii()


def test_stale_data_is_marked_per_chunk(capsys, tmp_path: Path) -> None:
    path = cache(
        tmp_path,
        account("codex", "w", window("five_hour", 85), active=True, age=11 * timedelta(minutes=1)),
        account("claude", "c", window("five_hour", 70), age=timedelta(minutes=9)),
        interval=300,
    )
    assert run(capsys, path)[1] == "cdx 85⚠  cl 70"  # older than twice the interval
    assert run(capsys, path, "--stale-after", "3600")[1] == "cdx 85  cl 70"
    assert run(capsys, path, "--ascii")[1] == "cdx 85?  cl 70"
    assert run(capsys, path, "--tmux")[1].startswith("#[fg=#4cc38a,dim]cdx 85⚠#[default]")


def test_no_cache_is_a_hint_and_exit_3(capsys, tmp_path: Path) -> None:
    assert run(capsys, tmp_path / "missing.json") == (3, NO_DATA)
    code, text = run(capsys, tmp_path / "missing.json", "--waybar")
    assert code == 3
    assert json.loads(text) == {
        "text": NO_DATA,
        "tooltip": NO_DATA,
        "class": "stale",
        "percentage": None,
    }


@pytest.mark.parametrize("content", ["", "{", "[]", '{"accounts": 5}', "\x00\x01"])
def test_a_damaged_cache_is_no_cache(capsys, tmp_path: Path, content: str) -> None:
    path = tmp_path / "latest.json"
    path.write_text(content)
    assert run(capsys, path)[0] == 3


@pytest.mark.parametrize(
    ("left", "css"), [(85, "ok"), (29.4, "warning"), (9.9, "critical"), (0, "critical")]
)
def test_waybar_object(capsys, tmp_path: Path, left: float, css: str) -> None:
    path = cache(
        tmp_path,
        account(
            "codex",
            "w",
            window("five_hour", 90, 2 * H),
            window("weekly", left, 30 * H),
            active=True,
        ),
    )
    code, text = run(capsys, path, "--waybar")
    payload = json.loads(text)
    assert code == 0
    assert set(payload) == {"text", "tooltip", "class", "percentage"}
    assert payload["class"] == css
    assert payload["percentage"] == round(left)
    assert payload["tooltip"].splitlines() == [
        f"cdx w: five_hour 90% left (resets in 2h), weekly {round(left)}% left (resets in 1d6h)"
    ]


def test_waybar_stale_class_wins(capsys, tmp_path: Path) -> None:
    path = cache(tmp_path, account("codex", "w", window("five_hour", 5), age=timedelta(days=1)))
    assert json.loads(run(capsys, path, "--waybar")[1])["class"] == "stale"


def test_an_account_without_windows_shows_its_balance_or_a_cross(capsys, tmp_path: Path) -> None:
    path = cache(
        tmp_path,
        account("codex", "x", status="auth_expired", message="Token expired"),
        account(
            "claude",
            "m",
            balances=[
                {
                    "id": "b",
                    "label": "B",
                    "amount": 4.2,
                    "limit": None,
                    "unit": "USD",
                    "unlimited": False,
                }
            ],
        ),
    )
    assert run(capsys, path)[1] == "cdx ✗  cl $4.20"


def test_status_imports_neither_textual_nor_httpx(tmp_path: Path) -> None:
    cache(tmp_path, account("codex", "w", window("five_hour", 50)))
    probe = (
        "import sys; sys.argv = ['aiquota-tui', 'status']\n"
        "from tui.entry import entry_point\n"
        "try:\n    entry_point()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'httpcore', 'rich'))\n"
        "print('HEAVY', heavy)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=repo,
        env={"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
