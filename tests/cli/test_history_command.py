"""`aiquota-tui history` end to end: --once runs against a local server fill the database,
and the command prints it as JSON, CSV or a table (CONTRACT.md, second wave)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply

from tui.cli import main as cli_main
from tui.commands.history import SAMPLE_COLUMNS
from tui.commands.history import main as history_main
from tui.history.store import default_path

SAMPLE_KEYS = ["provider", "account", "window", "used_percent", "resets_at", "window_seconds", "at"]
BALANCE_KEYS = ["provider", "account", "balance", "amount", "unit", "at"]


def history_json(capsys, *args: str) -> tuple[int, dict, str]:
    code = history_main(["--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.fixture
def two_runs(home: Path, monkeypatch, capsys):
    """Two --once runs whose answers changed (5h 5 % then 7 %, weekly 10 % both times)."""
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    answers = [usage_answer(5, 10)]
    with LocalServer(lambda seen: Reply(body=answers[0])) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert cli_main(["--once"]) == 0
        answers[0] = usage_answer(7, 10)
        assert cli_main(["--once", "--json"]) == 0
    _out, err = capsys.readouterr()
    assert err == ""  # recording says nothing when all is well
    return answers[0]


def test_two_once_runs_leave_the_expected_samples(two_runs, capsys) -> None:
    code, document, _ = history_json(capsys)
    assert code == 0
    assert list(document) == ["schema", "samples", "balances"] and document["schema"] == 1
    samples = document["samples"]
    assert all(list(sample) == SAMPLE_KEYS for sample in samples)
    shown = [(s["provider"], s["account"], s["window"], s["used_percent"]) for s in samples]
    # The 5h window moved 2 points: two samples; the weekly one did not: one.
    assert shown == [
        ("codex", "default", "five_hour", 5.0),
        ("codex", "default", "five_hour", 7.0),
        ("codex", "default", "weekly", 10.0),
    ]
    first = samples[0]
    assert first["window_seconds"] == 5 * 3600
    assert first["resets_at"].endswith("Z") and first["at"].endswith("Z")
    at = datetime.fromisoformat(first["at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - at).total_seconds()) < 600
    resets = datetime.fromisoformat(first["resets_at"].replace("Z", "+00:00"))
    assert timedelta(hours=1) < resets - at <= timedelta(hours=2, seconds=1)
    assert document["balances"] == []


def test_filters_select_windows_accounts_and_providers(two_runs, capsys) -> None:
    _, document, _ = history_json(capsys, "--window", "weekly")
    assert [s["window"] for s in document["samples"]] == ["weekly"]
    _, document, _ = history_json(capsys, "--account", "DEFAULT", "--provider", "Codex")
    assert len(document["samples"]) == 3
    _, document, _ = history_json(capsys, "--account", "nobody")
    assert document["samples"] == []
    _, document, _ = history_json(capsys, "--provider", "claude")
    assert document["samples"] == []


def test_since_takes_seconds_minutes_hours_and_days(two_runs, capsys) -> None:
    later = datetime.now(UTC) + timedelta(hours=3)
    code = history_main(["--json", "--since", "2h"], now=later)
    assert json.loads(capsys.readouterr().out)["samples"] == []
    for since in ("4h", "300m", "20000s", "1d", "7D"):
        history_main(["--json", "--since", since], now=later)
        assert len(json.loads(capsys.readouterr().out)["samples"]) == 3, since
    assert code == 0


def test_csv_has_the_window_samples_in_the_json_columns_order(two_runs, capsys) -> None:
    assert history_main(["--csv"]) == 0
    out = capsys.readouterr().out
    table = list(csv.reader(io.StringIO(out)))
    assert tuple(table[0]) == SAMPLE_COLUMNS == tuple(SAMPLE_KEYS)
    assert [row[2] for row in table[1:]] == ["five_hour", "five_hour", "weekly"]
    assert table[1][3] == "5.0" and table[1][5] == "18000" and table[1][6].endswith("Z")


def test_the_table_is_readable(two_runs, capsys) -> None:
    assert history_main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["TIME", "PROVIDER", "ACCOUNT", "WINDOW", "USED", "RESETS"]
    assert [line.split()[2:5] for line in out[1:]] == [
        ["codex", "default", "five_hour"],
        ["codex", "default", "five_hour"],
        ["codex", "default", "weekly"],
    ]
    assert "7.0%" in out[2]


def test_balances_are_listed(home: Path, capsys) -> None:
    from support.clock import FROZEN
    from support.history_samples import snapshot

    from tui.history.sink import HistorySink

    sink = HistorySink(default_path(), print)
    sink.take([snapshot(FROZEN)], FROZEN)
    sink.close(1.0)
    history_main(["--json"], now=FROZEN + timedelta(hours=1))
    document = json.loads(capsys.readouterr().out)
    assert document["balances"] == [
        {
            "provider": "codex",
            "account": "work",
            "balance": "credits",
            "amount": 14.5,
            "unit": "credits",
            "at": "2026-11-22T12:00:00Z",
        }
    ]
    assert all(list(balance) == BALANCE_KEYS for balance in document["balances"])
    history_main([], now=FROZEN + timedelta(hours=1))
    out = capsys.readouterr().out
    assert "BALANCE" in out and "14.50" in out


def test_account_filter_ignores_case_beyond_ascii(home: Path, capsys) -> None:
    from support.clock import FROZEN
    from support.history_samples import snapshot

    from tui.history.sink import HistorySink

    sink = HistorySink(default_path(), print)
    sink.take([snapshot(FROZEN, key="codex/acc-e/elise", label="Élise Ünter")], FROZEN)
    sink.close(1.0)
    later = FROZEN + timedelta(hours=1)
    # SQLite's lower() leaves É alone: the exact name itself once matched nothing.
    for name in ("Élise Ünter", "élise ünter", "ÉLISE ÜNTER"):
        history_main(["--json", "--account", name], now=later)
        assert len(json.loads(capsys.readouterr().out)["samples"]) == 2, name


def test_no_database_is_an_empty_answer(capsys) -> None:
    code, document, err = history_json(capsys)
    assert code == 0 and document == {"schema": 1, "samples": [], "balances": []}
    assert history_main(["--csv"]) == 0
    assert capsys.readouterr().out == ",".join(SAMPLE_COLUMNS) + "\n"
    assert history_main([]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no history yet" in err
    assert not default_path().exists()  # reading never creates it


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "7"],
        ["--since", "0d"],
        ["--since", "1w"],
        ["--since", "-1d"],
        ["--json", "--csv"],
        ["--nonsense"],
    ],
)
def test_bad_arguments_exit_2_with_a_sentence(args, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        history_main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "aiquota-tui history: error:" in err


def test_an_unusable_config_is_exit_2(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[history]\nenabled = "no"\n')
    assert history_main(["--config", str(config)]) == 2
    assert "[history] enabled must be true or false" in capsys.readouterr().err


def test_history_off_still_reads_what_is_there_and_says_so(two_runs, tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[history]\nenabled = false\n")
    code, document, err = history_json(capsys, "--config", str(config))
    assert code == 0 and len(document["samples"]) == 3
    assert "history is off" in err


def test_history_off_records_nothing(home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    config = tmp_path / "config.toml"
    config.write_text("[history]\nenabled = false\n")
    with LocalServer(lambda seen: Reply(body=usage_answer(5, 10))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert cli_main(["--once", "--config", str(config)]) == 0
    assert not default_path().exists()
    assert capsys.readouterr().err == ""


def test_an_unknown_history_setting_is_a_warning(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[history]\nenabled = true\nkeep_days = 3\n")
    assert cli_main(["--once", "--json", "--config", str(config)]) == 0
    assert "unknown setting 'keep_days' in [history] ignored" in capsys.readouterr().err


def test_demo_once_never_touches_the_users_history(capsys) -> None:
    cli_main(["--demo", "--once", "--json"])
    capsys.readouterr()
    assert not default_path().exists()
    assert not default_path().parent.exists()


def test_an_unwritable_state_folder_never_stops_once(home: Path, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    # A file where the state folder should be: no database can be made under it.
    (home / ".local").mkdir()
    (home / ".local/state").write_text("not a folder")
    with LocalServer(lambda seen: Reply(body=usage_answer(5, 10))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert cli_main(["--once", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["accounts"][0]["status"] == "ok"
    assert err.count("history is not recorded") == 1 and "Traceback" not in err


def test_a_corrupt_database_is_set_aside_by_once_without_a_traceback(
    home: Path, monkeypatch, capsys
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    path = default_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 1000)
    with LocalServer(lambda seen: Reply(body=usage_answer(5, 10))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert cli_main(["--once"]) == 0
    err = capsys.readouterr().err
    assert "moved it to history.sqlite3.corrupt-" in err and "Traceback" not in err
    assert len(list(path.parent.glob("history.sqlite3.corrupt-*"))) == 1
    _code, document, err = history_json(capsys)
    assert len(document["samples"]) == 2


def test_a_corrupt_database_is_a_sentence_for_the_history_command(home: Path, capsys) -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 1000)
    code, document, err = history_json(capsys)
    assert code == 0 and document["samples"] == []
    assert "damaged or not a history database" in err and "Traceback" not in err


def test_the_command_is_dispatched_by_name(home: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tui", "history", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"schema": 1, "samples": [], "balances": []}


def test_csv_quotes_and_defuses_names_from_outside() -> None:
    from tui.commands.history import csv_text
    from tui.history.query import SampleRow

    names = ['=HYPERLINK("http://x","a"),b', "+1+1", "-2", "@SUM(A1)", 'a,b"c', "plain"]
    rows = [SampleRow("codex", name, "weekly", 5.0, None, 604800, 1_800_000_000) for name in names]
    table = list(csv.reader(io.StringIO(csv_text(rows))))
    # A spreadsheet runs a cell starting = + - @ as a formula: those are written as text.
    assert [row[1] for row in table[1:]] == [
        '\'=HYPERLINK("http://x","a"),b',
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        'a,b"c',
        "plain",
    ]
    assert all(len(row) == len(SAMPLE_COLUMNS) for row in table)
    assert table[1][3:] == ["5.0", "", "604800", "2027-01-15T08:00:00Z"]


def test_csv_of_a_non_ascii_name_on_an_ascii_stdout_is_utf8_not_a_traceback(home: Path) -> None:
    from support.clock import FROZEN
    from support.history_samples import snapshot

    from tui.history.sink import HistorySink

    sink = HistorySink(default_path(), print)
    sink.take([snapshot(FROZEN, key="codex/acc-e/elise", label="Élise")], FROZEN)
    sink.close(1.0)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tui", "history", "--csv", "--since", "3660d"],
        capture_output=True,
        timeout=60,
        env={
            "HOME": str(home),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(root),
            "PYTHONIOENCODING": "ascii",
        },
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    table = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))
    assert [row[1] for row in table[1:]] == ["Élise", "Élise"]


def test_the_table_never_shows_a_window_not_quite_spent_as_100_or_0() -> None:
    from tui.commands.history import table_text
    from tui.history.query import SampleRow

    used = [99.99, 100.0, 0.01, 0.0, 45.0]
    rows = [SampleRow("codex", "w", "weekly", u, None, 604800, 1_800_000_000) for u in used]
    shown = [line.split()[5] for line in table_text(rows, []).splitlines()[1:]]
    assert shown == ["99.9%", "100.0%", "0.1%", "0.0%", "45.0%"]
