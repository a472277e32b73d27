"""`aiquota-tui status` from prepared cache files: the line, tmux, Waybar, stale and no cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzz import json_values, mutated, scalar_leaves

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
    # Where the command looks (XDG_CACHE_HOME below), so the probe draws a real chunk.
    folder = tmp_path / "c" / "aiquota-tui"
    folder.mkdir(parents=True)
    cache(folder, account("codex", "w", window("five_hour", 50)))
    probe = (
        "import sys; sys.argv = ['aiquota-tui', 'status']\n"
        "from tui.entry import entry_point\n"
        "try:\n    entry_point()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'httpcore', 'rich'))\n"
        "print('HEAVY', heavy)\n"
        # Each costs milliseconds of the 100 a status bar allows; the plain line needs none.
        "slow = sorted(m for m in ('tomllib', 'importlib.resources', 'providers.model', 'providers.registry') if m in sys.modules)\n"
        "print('SLOW', slow)\n"
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
    assert "SLOW []" in result.stdout, result.stdout + result.stderr
    assert result.stdout.startswith("cdx 50"), result.stdout


# ------------------------------------------------------------------ hostile input (review)


@pytest.mark.parametrize(
    "template",
    [
        "{0}",  # positional
        "{}",
        "{w1!r}",  # a conversion
        "{p.__class__}",  # attribute access would show Python's insides
        "{p[0]}",
        "{w1:>999999}",  # a width that asks for a megabyte (or a gigabyte) per chunk
        "{w1:>999999999999}",
        "{w1:{w2}}",  # a nested field
        "{w1:=5}",  # a spec strings do not take
        "{w1",
        "}",
    ],
)
def test_a_format_is_our_fields_only_and_cannot_allocate(capsys, three, template: str) -> None:
    code = main(["--format", template], now=NOW, path=three)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "--format" in captured.err and "Traceback" not in captured.err


def test_a_format_may_pad_and_cut(capsys, three) -> None:
    assert run(capsys, three, "--provider", "codex", "--format", "[{account:>6}]")[1] == "[  work]"
    assert run(capsys, three, "--provider", "codex", "--format", "{account:.2}|{w1:<3}|")[1] == (
        "wo|85 |"
    )
    assert run(capsys, three, "--provider", "codex", "--format", "{{{w1}}}")[1] == "{85}"


def test_a_format_is_checked_even_without_a_cache(capsys, tmp_path: Path) -> None:
    assert main(["--format", "{p.__class__}"], now=NOW, path=tmp_path / "none.json") == 2


def test_the_separator_and_format_stay_one_line_of_text(capsys, three) -> None:
    code, line = run(capsys, three, "--sep", "\n\x1b[2J\x07", "--format", "{p}\x1b]0;x\x07\r\n")
    assert code == 0
    assert "\n" not in line and "\r" not in line
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in line)
    assert line.startswith("cdx")
    assert main(["--sep", "x" * 51], now=NOW, path=three) == 2


def test_ascii_covers_the_separator_and_the_formats_own_text(capsys, three) -> None:
    line = run(capsys, three, "--ascii", "--sep", " · ", "--format", "{p}→{w1}")[1]
    assert line.isascii() and line.startswith("cdx?85 ? cl?77")


def test_an_unknown_provider_is_a_usage_error_and_case_does_not_matter(capsys, three) -> None:
    code = main(["--provider", "nosuch"], now=NOW, path=three)
    err = capsys.readouterr().err
    assert code == 2 and "nosuch" in err and "codex" in err
    assert run(capsys, three, "--provider", "Codex") == (0, "cdx 85·62")


def test_a_provider_with_no_account_in_the_cache_is_an_empty_line(capsys, three) -> None:
    assert run(capsys, three, "--provider", "gemini") == (0, "")


def raw_cache(tmp_path: Path, accounts_json: str, extra: str = "") -> Path:
    path = tmp_path / "latest.json"
    path.write_text(
        '{"schema": 1, "refresh_interval": 300, ' + extra + '"accounts": ' + accounts_json + "}"
    )
    return path


def test_numbers_out_of_range_or_not_numbers_never_show(capsys, tmp_path: Path) -> None:
    fetched = iso(NOW)

    def acc(name: str, left: str) -> str:
        return (
            f'{{"provider": "codex", "account": "{name}", "fetched_at": "{fetched}", '
            f'"windows": [{{"id": "five_hour", "remaining_percent": {left}}}]}}'
        )

    cases = {
        "nan": "NaN",
        "inf": "Infinity",
        "minf": "-Infinity",
        "text": '"85"',  # ours is never a string: one is no number
        "huge": "1" + "0" * 400,  # past a float
        "neg": "-5",
        "over": "150",
        "low": "0.4",
        "high": "99.6",
        "bool": "true",
    }
    path = raw_cache(tmp_path, "[" + ", ".join(acc(n, v) for n, v in cases.items()) + "]")
    code, line = run(capsys, path, "--all", "--sep", "|", "--ascii")
    assert code == 0
    assert line.split("|") == [
        "cdx:nan x",
        "cdx:inf x",
        "cdx:minf x",
        "cdx:text x",
        "cdx:huge x",
        "cdx:neg 0",
        "cdx:over 100",
        "cdx:low 1",  # 0.4 % left is not "nothing left"
        "cdx:high 99",  # nor 99.6 % "untouched"
        "cdx:bool x",
    ]
    waybar = json.loads(run(capsys, path, "--waybar", "--all")[1])
    assert waybar["percentage"] == 0 and waybar["class"] == "critical"


def test_entries_without_a_provider_or_of_the_wrong_shape_are_skipped(capsys, tmp_path) -> None:
    fetched = iso(NOW)
    good = (
        f'{{"provider": "codex", "account": "w", "fetched_at": "{fetched}", '
        '"windows": [{"id": "five_hour", "remaining_percent": 50}]}'
    )
    odd = [
        '{"account": "nobody", "windows": []}',
        '{"provider": null, "account": "x"}',
        '{"provider": 5, "account": "x"}',
        '{"provider": ["codex"], "account": "x"}',
        '"codex"',
        "5",
        "null",
        '{"provider": "claude", "account": {"a": 1}, "windows": {"id": 5}, "balances": "x", '
        '"fetched_at": 17, "active": "yes"}',
        '{"provider": "copilot", "account": 7, "windows": [5, null, {"remaining_percent": {}}], '
        '"balances": [1, {"amount": "4"}, {"amount": 1e308, "unit": ["x"]}]}',
    ]
    path = raw_cache(tmp_path, "[" + ", ".join([good, *odd]) + "]", extra='"providers": [1, 2], ')
    for args in ([], ["--all"], ["--waybar"], ["--tmux"], ["--waybar", "--all", "--ascii"]):
        code, line = run(capsys, path, *args)
        assert code == 0, args
        assert "nobody" not in line and "None" not in line
    assert run(capsys, path, "--all", "--sep", "|")[1].split("|")[0] == "cdx:w 50"


def test_hostile_names_stay_data_in_every_output(capsys, tmp_path: Path) -> None:
    evil = "a\x1b[31m\x07\x9b2J\u202egnp.exe\nsecond line\r#[fg=red]#(reboot)<b>&amp;"
    path = cache(
        tmp_path,
        account("codex", evil, window(evil, 50, H)),
    )
    for args in (["--all"], ["--all", "--tmux"], ["--all", "--waybar"], ["--all", "--ascii"]):
        code, out = run(capsys, path, *args)
        assert code == 0
        text = json.loads(out)["text"] + json.loads(out)["tooltip"] if "--waybar" in args else out
        assert "\n" not in out
        assert not any(c in text for c in "\x1b\x07\x9b\u202e\r")
    tmux = run(capsys, path, "--all", "--tmux")[1]
    assert "#(" not in tmux.replace("##", "")


def test_waybar_escapes_pango_markup_in_the_data(capsys, tmp_path: Path) -> None:
    name = "<span size='99999'>x</span> & co"
    path = cache(tmp_path, account("codex", name, window("five_hour", 50, H), active=True))
    payload = json.loads(run(capsys, path, "--waybar", "--all")[1])
    for key in ("text", "tooltip"):
        assert "<" not in payload[key] and "'99999'>" not in payload[key]
        assert "&lt;span size='99999'&gt;x&lt;/span&gt; &amp; co" in payload[key]


def test_a_cache_without_a_providers_table_uses_the_registrys_short_names(
    capsys, tmp_path: Path
) -> None:
    path = tmp_path / "latest.json"
    document = {
        "schema": 1,
        "refresh_interval": 300,
        "accounts": [
            account("codex", "w", window("five_hour", 85), window("weekly", 62), active=True),
            account("claude", "c", window("five_hour", 77), window("weekly", 59)),
            account("antigravity", "g", window("x", 58)),
        ],
    }
    path.write_text(json.dumps(document))
    assert run(capsys, path)[1] == "cdx 85·62  cl 77·59  ag 58"


def test_the_short_names_are_the_registrys() -> None:
    from providers.registry import PROVIDERS
    from providers.short_names import SHORT_NAMES

    # In the registry's order too: --provider's message lists them so.
    assert [(p.id, p.short or p.id[:3]) for p in PROVIDERS] == list(SHORT_NAMES.items())


def test_a_refresh_interval_that_is_no_interval_means_the_default(capsys, tmp_path) -> None:
    path = cache(
        tmp_path,
        account("codex", "w", window("five_hour", 50), age=timedelta(minutes=9)),
        interval=-5,
    )
    assert run(capsys, path)[1] == "cdx 50"  # 9 minutes, under twice the default 5


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e400", "x", "1e9"])
def test_odd_stale_after_values_are_usage_errors(capsys, three, value: str) -> None:
    assert main(["--stale-after", value], now=NOW, path=three) == 2


def test_stale_after_zero_marks_everything_older_than_now(capsys, three) -> None:
    assert run(capsys, three, "--stale-after", "0")[1] == "cdx 85·62  cl 77·59  cop 58"
    later = NOW + timedelta(seconds=1)
    assert main(["--stale-after", "0"], now=later, path=three) == 0
    assert capsys.readouterr().out.count("⚠") == 3


def test_deeply_nested_or_huge_caches_are_no_cache(capsys, tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    path.write_text('{"accounts": ' + "[" * 200_000 + "]" * 200_000 + "}")
    assert run(capsys, path)[0] == 3
    with path.open("wb") as stream:  # past the 64 MB the cache may be
        stream.truncate(65 * 1024 * 1024)
    assert run(capsys, path)[0] == 3


def test_a_theme_name_is_never_a_path() -> None:
    from tui.commands.status import _theme_file

    assert _theme_file("aiquota-light").get("name") == "aiquota-light"
    assert _theme_file("../themes/aiquota-light") == {}


ACCOUNT_KEYS = [
    "provider", "account", "active", "status", "fetched_at", "windows", "balances", "id",
    "label", "remaining_percent", "resets_at", "pace", "stage", "amount", "unit", "codex",
]  # fmt: skip
SEED = account(
    "codex",
    "work",
    window("five_hour", 85, H, "deficit"),
    window("weekly", 62, 30 * H),
    active=True,
    balances=[{"id": "b", "label": "B", "amount": 4.2, "unit": "USD"}],
)


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(st.one_of(mutated(SEED, ACCOUNT_KEYS), json_values(ACCOUNT_KEYS)), max_size=4),
    interval=scalar_leaves(["refresh_interval"]),
    flags=st.sampled_from([[], ["--all"], ["--tmux"], ["--waybar"], ["--all", "--ascii"]]),
)
def test_any_cache_gives_one_clean_line_or_no_data(entries, interval, flags) -> None:
    import io
    from contextlib import redirect_stdout
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as folder:
        path = Path(folder) / "latest.json"
        path.write_text(json.dumps({"refresh_interval": interval, "accounts": entries}))
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(flags, now=NOW, path=path)
    text = out.getvalue()
    assert code in (0, 3)
    assert text.endswith("\n") and text.count("\n") == 1
    shown = json.loads(text)["text"] if "--waybar" in flags else text
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in shown.rstrip("\n"))
    if "--ascii" in flags:
        assert text.isascii()


def test_a_cut_field_never_leaves_half_an_escape(capsys, tmp_path: Path) -> None:
    # `{account:.3}` cuts the name before it is escaped: cutting `ev##[…` after would leave
    # `ev#`, which tmux joins with the next `#[default]` or `(` into a format of its own, and
    # `a&amp;…` would become `a&a`, which Waybar's Pango refuses.
    path = cache(
        tmp_path,
        account("codex", "ev#[fg=red]il", window("five_hour", 50)),
        account("claude", "a&b<i>", window("five_hour", 50)),
    )
    tmux = run(capsys, path, "--tmux", "--all", "--format", "{account:.3}")[1]
    assert tmux == "#[fg=#4cc38a]ev###[default]  #[fg=#4cc38a]a&b#[default]"
    waybar = json.loads(run(capsys, path, "--waybar", "--all", "--format", "{account:.3}")[1])
    assert waybar["text"] == "ev#  a&amp;b"
    # Padding counts the characters shown, not the escapes.
    padded = run(capsys, path, "--tmux", "--all", "--format", "{account:>14}")[1]
    assert padded.startswith("#[fg=#4cc38a] ev##[fg=red]il#[default]")


def test_waybar_output_is_not_escaped_for_tmux_too(capsys, tmp_path: Path) -> None:
    path = cache(tmp_path, account("codex", "a#b", window("five_hour", 50), active=True))
    payload = json.loads(run(capsys, path, "--waybar", "--tmux", "--format", "{account}")[1])
    assert payload["text"] == "a#b"


def test_a_fetch_time_far_in_the_future_is_stale(capsys, tmp_path: Path) -> None:
    # A file dated in the year 9999 must turn stale like any other once its writer stops.
    path = cache(
        tmp_path,
        account("codex", "w", window("five_hour", 50), active=True),
        account("claude", "c", window("five_hour", 50), age=-timedelta(days=3000 * 365)),
        account("copilot", "m", window("monthly", 50), age=-timedelta(minutes=1)),
    )
    assert run(capsys, path)[1] == "cdx 50  cl 50⚠  cop 50"  # a minute ahead is a clock's skew
    assert json.loads(run(capsys, path, "--waybar", "--provider", "claude")[1])["class"] == "stale"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_an_output_that_cannot_be_written_is_a_sentence_not_a_traceback(
    tmp_path: Path, stdout: str
) -> None:
    folder = tmp_path / "c" / "aiquota-tui"
    folder.mkdir(parents=True)
    cache(folder, account("codex", "w", window("five_hour", 50)))
    repo = Path(__file__).resolve().parents[2]
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "tui", "status"],
            stdout=full if stdout == "full" else None,
            stderr=subprocess.PIPE,
            text=True,
            cwd=repo,
            env=env,
            timeout=60,
            # "closed": the command starts with no file descriptor 1 at all (`>&-`).
            preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
        )
    assert "Traceback" not in result.stderr, result.stderr
    assert "cannot write the line" in result.stderr
    assert result.returncode == 1


def test_only_true_is_active(capsys, tmp_path: Path) -> None:
    # A damaged file's "false" (a non-empty string) must not win over the most headroom.
    path = cache(
        tmp_path,
        account("codex", "low", window("five_hour", 5), active="false"),
        account("codex", "high", window("five_hour", 90)),
    )
    assert run(capsys, path, "--format", "{account}")[1] == "high"


def test_the_first_active_account_stays_and_one_without_figures_gives_way(
    capsys, tmp_path: Path
) -> None:
    path = cache(
        tmp_path,
        account("codex", "blank"),  # no window with a figure: any account with one is better
        account("codex", "low", window("five_hour", 10, H)),
        account("codex", "first", window("five_hour", 30, H), active=True),
        account("codex", "second", window("five_hour", 90, H), active=True),
        account("codex", "roomy", window("five_hour", 95, H)),
    )
    assert run(capsys, path)[1] == "cdx 30"
    path = cache(
        tmp_path, account("codex", "blank"), account("codex", "low", window("five_hour", 10, H))
    )
    assert run(capsys, path)[1] == "cdx 10"
