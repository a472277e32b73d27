"""The command line end to end: real files, a real local server, the contract's outputs."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from support.credentials import DAY, codex_token, usage_answer, write_codex_auth
from support.json_contract import assert_schema_1
from support.servers import LocalServer, Reply, Seen

from tui.cli import main


def run_json(capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_demo_once_json_runs_the_real_parsing_path(capsys) -> None:
    code, document, _ = run_json(capsys, "--demo")
    assert_schema_1(document)
    accounts = {a["account"]: a for a in document["accounts"]}
    assert set(accounts) >= {"work", "side", "old", "spark"}
    assert accounts["work"]["active"] and accounts["work"]["status"] == "ok"
    assert accounts["old"]["status"] == "auth_expired"
    assert accounts["side"]["windows"][0]["remaining_percent"] < 10
    spark_ids = {w["id"] for w in accounts["spark"]["windows"]}
    assert {"five_hour", "weekly", "gpt-5-3-codex-spark:five_hour"} <= spark_ids
    assert accounts["spark"]["balances"][0]["amount"] == 14.5
    assert code == 1  # the expired demo account is not ok


def test_demo_table_lists_every_account(capsys) -> None:
    code = main(["--demo", "--once"])
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["PROVIDER", "ACCOUNT", "PLAN", "5H"]
    assert any(line.split()[1:3] == ["work", "*"] for line in lines)
    assert "auth_expired" in out and code == 1


@pytest.fixture
def real_layout(home: Path, work: Path):
    """~/.codex/auth.json (a saved account's twin) plus saved accounts, some broken."""
    tokens = {
        "work": codex_token("acc-work", marker="live"),
        "side": codex_token("acc-side"),
        "full": codex_token("acc-full"),
        "gone": codex_token("acc-gone"),
    }
    write_codex_auth(
        home / ".codex/auth.json", tokens["work"], "acc-work", email="work@example.com"
    )
    write_codex_auth(
        work / "account/work.auth.json", codex_token("acc-work", marker="saved"), "acc-work"
    )
    for name in ("side", "full", "gone"):
        write_codex_auth(work / f"account/{name}.auth.json", tokens[name], f"acc-{name}")
    write_codex_auth(
        work / "account/expired.auth.json", codex_token("acc-exp", expires_in=-DAY), "acc-exp"
    )
    write_codex_auth(work / "account/browser.auth.json", "sess-0123456789abcdefghij", "acc-browser")
    return tokens


def layout_answer(seen: Seen) -> Reply:
    account_id = seen.headers.get("chatgpt-account-id")
    if account_id == "acc-work":
        return Reply(body=usage_answer(20, 40))
    if account_id == "acc-side":
        return Reply(body=usage_answer(70, 10))
    if account_id == "acc-full":
        return Reply(body=usage_answer(100, 100))
    if account_id == "acc-gone":
        return Reply(status=401, body={"detail": "token invalidated"})
    return Reply(status=500, body={})


def test_real_layout_against_a_local_server(real_layout, monkeypatch, capsys) -> None:
    with LocalServer(layout_answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys)
    assert_schema_1(document)
    rows = [(a["account"], a["active"], a["status"]) for a in document["accounts"]]
    assert rows == [
        ("work", True, "ok"),
        ("side", False, "ok"),
        ("full", False, "ok"),
        ("browser", False, "auth_expired"),
        ("expired", False, "auth_expired"),
        ("gone", False, "auth_expired"),
    ]
    by_name = {a["account"]: a for a in document["accounts"]}
    assert by_name["work"]["source"] == "~/.codex/auth.json"
    assert by_name["side"]["source"] == "account/side.auth.json"
    assert [w["id"] for w in by_name["work"]["windows"]] == ["five_hour", "weekly"]
    assert by_name["work"]["windows"][0]["remaining_percent"] == 80.0
    assert by_name["full"]["windows"][1]["remaining_percent"] == 0.0
    assert "codex login" in by_name["gone"]["message"]
    assert "session token" in by_name["browser"]["message"]
    assert code == 1
    # Only the four usable tokens reached the network, each once, on the contract's path.
    assert sorted(s.headers["chatgpt-account-id"] for s in server.seen) == [
        "acc-full",
        "acc-gone",
        "acc-side",
        "acc-work",
    ]
    assert {s.path for s in server.seen} == {"/backend-api/wham/usage"}
    sent = {s.headers["chatgpt-account-id"]: s.headers["authorization"] for s in server.seen}
    assert sent["acc-work"] == f"Bearer {real_layout['work']}"  # the live token, not the saved copy


def test_accounts_are_fetched_concurrently(home: Path, work: Path, monkeypatch, capsys) -> None:
    """Each answer is held until all requests have arrived: sequential fetching would break the barrier."""
    names = [f"acc{i}" for i in range(5)]
    for name in names:
        write_codex_auth(work / f"account/{name}.auth.json", codex_token(name), name)
    barrier = threading.Barrier(len(names), timeout=5)

    def answer(seen: Seen) -> Reply:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return Reply(status=500, body={})
        return Reply(body=usage_answer(10, 10))

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys)
    assert [a["status"] for a in document["accounts"]] == ["ok"] * len(names)
    assert code == 0


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (Reply(status=401, body={}), "auth_expired", "codex login"),
        (Reply(status=403, body={}), "forbidden", "refused"),
        (
            Reply(status=429, body={}, headers={"retry-after": "120"}),
            "rate_limited",
            "rate-limited",
        ),
        (Reply(status=500, body={}), "error", "HTTP 500"),
        (
            Reply(status=404, raw=b"<html>nope</html>", headers={"content-type": "text/html"}),
            "error",
            "HTTP 404",
        ),
        (
            Reply(raw=b"<!doctype html><html>login</html>", headers={"content-type": "text/html"}),
            "bad_response",
            "HTML",
        ),
        (Reply(raw=b""), "bad_response", "empty"),
        (Reply(raw=b'{"plan_type": "plus", '), "bad_response", "not JSON"),
        (Reply(body={"detail": "what"}), "bad_response", "expected fields"),
        (Reply(body=[1, 2, 3]), "bad_response", "not a JSON object"),
    ],
)
def test_each_failure_is_a_status_with_a_sentence(
    home, monkeypatch, capsys, reply, status, words
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda seen: reply) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys)
    [account] = document["accounts"]
    assert account["status"] == status
    assert words in account["message"]
    assert code == 1


def test_a_deployment_serving_codex_usage_instead_of_wham_is_read(
    home, monkeypatch, capsys
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")

    def answer(seen: Seen) -> Reply:
        if seen.path == "/backend-api/codex/usage":
            return Reply(body=usage_answer(10, 20))
        return Reply(status=404, body={"detail": "Not Found"})

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys)
    assert [s.path for s in server.seen] == ["/backend-api/wham/usage", "/backend-api/codex/usage"]
    assert document["accounts"][0]["windows"][0]["used_percent"] == 10
    assert code == 0


def test_a_stalled_server_is_unreachable_and_does_not_hold_the_others(
    home, work, monkeypatch, capsys
) -> None:
    monkeypatch.setattr("providers.kit.http.REQUEST_TIMEOUT", 2.0)  # an honest answer fits
    write_codex_auth(work / "account/slow.auth.json", codex_token("acc-slow"), "acc-slow")
    write_codex_auth(work / "account/fast.auth.json", codex_token("acc-fast"), "acc-fast")

    def answer(seen: Seen) -> Reply:
        if seen.headers.get("chatgpt-account-id") == "acc-slow":
            return Reply(body=usage_answer(1, 1), delay=4)
        return Reply(body=usage_answer(1, 1))

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        _, document, _ = run_json(capsys)
    statuses = {a["account"]: a["status"] for a in document["accounts"]}
    assert statuses == {"fast": "ok", "slow": "unreachable"}


def test_refused_connection_is_unreachable(home, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda seen: Reply()) as server:
        closed = server.url
    monkeypatch.setenv("AIQUOTA_CODEX_URL", closed)
    _, document, _ = run_json(capsys)
    assert document["accounts"][0]["status"] == "unreachable"


def test_config_base_url_overrides_and_env_wins(home, monkeypatch, capsys, tmp_path) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with (
        LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as good,
        LocalServer(lambda s: Reply(status=500, body={})) as bad,
    ):
        config = tmp_path / "config.toml"
        config.write_text(f'[providers.codex]\nbase_url = "{good.url}"\n')
        _, document, _ = run_json(capsys, "--config", str(config))
        assert document["accounts"][0]["status"] == "ok"
        monkeypatch.setenv("AIQUOTA_CODEX_URL", bad.url)
        _, document, _ = run_json(capsys, "--config", str(config))
        assert document["accounts"][0]["status"] == "error"
        assert good.seen and bad.seen


def test_default_config_file_is_read_from_the_user_config_dir(home, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as server:
        config = home / ".config/aiquota-tui/config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[providers.codex]\nbase_url = "{server.url}"\n')
        code, document, _ = run_json(capsys)
    assert document["accounts"][0]["status"] == "ok" and code == 0


def test_all_ok_exits_zero(home, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert main(["--once"]) == 0
    out, err = capsys.readouterr()
    assert "95%" in out and err == ""


def test_no_accounts_says_where_it_looked(capsys) -> None:
    assert main(["--once"]) == 0
    _, err = capsys.readouterr()
    assert "No accounts found" in err and "README" in err and "--demo" in err


def test_malformed_config_names_file_and_line(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[providers.codex]\nbase_url = "http://x"\nbroken = = 1\n')
    assert main(["--once", "--config", str(config)]) == 2
    _, err = capsys.readouterr()
    assert str(config) in err and "line 3" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("providers = 3\n", "must be a table"),
        ("[providers.codex]\nbase_url = 5\n", "base_url must be a string"),
        ('[providers.codex]\naccount_dirs = "x"\n', "account_dirs must be a list"),
        ('[providers.codex]\nbase_url = "ftp://x"\n', "http:// or https://"),
    ],
)
def test_mistyped_config_is_exit_2(tmp_path, capsys, content, words) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    assert main(["--once", "--config", str(config)]) == 2
    assert words in capsys.readouterr().err


def test_unknown_config_keys_are_warned_about_not_fatal(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('colour = "red"\n[providers.codex]\nfoo = 1\n')
    assert main(["--once", "--json", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    assert "unknown setting 'colour'" in err and "unknown setting 'foo'" in err
    assert json.loads(out)["accounts"] == []


def test_an_unknown_binding_in_keys_is_reported_and_the_known_ones_kept(tmp_path, capsys) -> None:
    from providers.registry import provider_settings
    from tui.config import load_config

    config = tmp_path / "config.toml"
    config.write_text('[keys]\nrefresh_all = "ctrl+r"\nrefesh = "x"\n')
    loaded = load_config(config, explicit=True, known_providers=provider_settings())
    assert loaded.keys == {"refresh_all": "ctrl+r"}
    assert any("unknown binding 'refesh'" in warning for warning in loaded.warnings)


def test_the_known_binding_ids_are_the_apps() -> None:
    from tui.app import QuotaApp
    from tui.config import BINDING_IDS

    assert {binding.id for binding in QuotaApp.BINDINGS} == BINDING_IDS


def test_missing_explicit_config_is_exit_2(tmp_path, capsys) -> None:
    assert main(["--once", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such config file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [["--provider", "nope", "--once"], ["--bogus"], ["--account-dir", "/does/not/exist", "--once"]],
)
def test_bad_arguments_exit_2(args) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("aiquota-tui ")


def test_provider_filter_and_account_dir(home, tmp_path, monkeypatch, capsys) -> None:
    folder = tmp_path / "elsewhere"
    write_codex_auth(folder / "extra.auth.json", codex_token("acc-e"), "acc-e")
    with LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys, "--provider", "codex", "--account-dir", str(folder))
    assert [a["account"] for a in document["accounts"]] == ["extra"]
    assert code == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[refresh]\ninterval = 5\n", "at least 30 seconds"),
        ('[refresh]\ninterval = "often"\n', "interval must be a number"),
        ("[refresh]\nmax_in_flight = 0\n", "between 1 and 64"),
        ("[keys]\nrefresh = 3\n", "must be a key name"),
    ],
)
def test_refresh_and_keys_settings_are_checked(tmp_path, capsys, content, words) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    assert main(["--once", "--config", str(config)]) == 2
    assert words in capsys.readouterr().err


def test_refresh_settings_reach_the_schedule(tmp_path) -> None:
    from tui.config import load_config

    config = tmp_path / "config.toml"
    config.write_text("[refresh]\ninterval = 120\nmax_in_flight = 4\n")
    policy = load_config(config, explicit=True, known_providers={"codex"}).refresh_policy()
    assert policy.interval == 120 and policy.max_in_flight == 4


# --------------------------------------------------------------------------- contract edges

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, close_stdout: bool = False):
    """The real command in a child process: what a script or a status bar sees.

    `close_stdout` pipes it into `true`, a reader that leaves before a line is written, as
    `| head -1` can (bash's pipefail gives the command's own exit status).
    """
    import os
    import subprocess
    import sys

    child_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    child_env.pop("PYTHONUNBUFFERED", None)  # as in a user's shell: the failure is at exit's flush
    command = [sys.executable, "-m", "tui", *args]
    if close_stdout:
        pipeline = 'set -o pipefail; "$@" | true'
        command = ["bash", "-c", pipeline, "aiquota-tui", *command]
    done = subprocess.run(command, capture_output=True, env=child_env, timeout=60, check=False)
    return done.returncode, done.stdout, done.stderr.decode()


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--demo", "--json"], 1), (["--demo", "--once"], 1), (["--help"], 0), (["--version"], 0)],
)
def test_a_closed_pipe_on_stdout_is_quiet_and_keeps_the_exit_status(args, code) -> None:
    returncode, _, err = run_cli(*args, close_stdout=True)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert returncode == code


@pytest.mark.parametrize("redirect", ["> /dev/full", ">&-"])
@pytest.mark.parametrize("args", [["--demo", "--json"], ["--demo", "--once"]])
def test_a_stdout_that_cannot_be_written_is_a_sentence_and_keeps_the_exit_status(
    redirect: str, args: list[str]
) -> None:
    # A full disk or a closed stdout is the machine's problem, not a bug to report with
    # "internal error" and a traceback; the exit status still says what the accounts said.
    import os
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONUNBUFFERED", None)
    command = ["bash", "-c", f'"$@" {redirect}', "aiquota-tui", sys.executable, "-m", "tui"]
    done = subprocess.run(
        [*command, *args], capture_output=True, env=env, timeout=60, check=False, text=True
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "standard output" in done.stderr or "cannot write the output" in done.stderr
    assert done.returncode == 1


def test_json_survives_a_stdout_that_cannot_encode_unicode() -> None:
    code, out, err = run_cli("--demo", "--json", env={"PYTHONIOENCODING": "ascii"})
    assert "Traceback" not in err and code == 1
    labels = {w["label"] for a in json.loads(out)["accounts"] for w in a["windows"]}
    assert "Weekly · Sonnet" in labels  # escaped as \u00b7, the same JSON string


def test_table_survives_a_stdout_that_cannot_encode_unicode() -> None:
    code, out, err = run_cli("--demo", "--once", env={"PYTHONIOENCODING": "ascii"})
    assert "Traceback" not in err and code == 1
    assert out.decode("ascii").startswith("PROVIDER")


def test_json_numbers_are_strict_and_clean() -> None:
    from datetime import UTC, datetime

    from providers.model import AccountSnapshot, Balance, Status, Window
    from tui import once as report

    nan, inf = float("nan"), float("inf")
    snapshot = AccountSnapshot(
        provider="codex",
        account="x",
        source="config",
        active=False,
        status=Status.OK,
        windows=(
            Window("five_hour", "5h", used_percent=-0.0, used=nan, limit=inf),
            Window("weekly", "Weekly", used_percent=34.35080000000001),
            Window("daily", "Daily", used_percent=nan),
            Window("monthly", "Monthly", used_percent=inf, resets_at=datetime(5, 1, 1, tzinfo=UTC)),
        ),
        balances=(Balance("credits", "Credits", amount=-0.0, limit=0.1 + 0.2),),
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )

    def refuse(constant: str) -> None:
        raise AssertionError(f"--json output holds {constant}")

    text = report.json_document([snapshot], datetime(2026, 1, 1, tzinfo=UTC))
    assert "-0.0" not in text
    [account] = json.loads(text, parse_constant=refuse)["accounts"]
    five, weekly, daily, monthly = account["windows"]
    assert (five["used_percent"], five["remaining_percent"]) == (0.0, 100.0)
    assert (five["used"], five["limit"]) == (None, None)
    assert (weekly["used_percent"], weekly["remaining_percent"]) == (34.3508, 65.6492)
    assert daily["used_percent"] is None and daily["remaining_percent"] is None
    assert monthly["used_percent"] is None and monthly["remaining_percent"] is None
    assert monthly["resets_at"] == "0005-01-01T00:00:00Z"
    assert account["balances"][0]["amount"] == 0.0 and account["balances"][0]["limit"] == 0.3
    table = report.table([snapshot])  # renders: no int(NaN), no "-0%"
    assert "-0" not in table and "nan" not in table.lower()


def test_provider_ids_are_not_case_sensitive(home, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, _ = run_json(capsys, "--provider", "CODEX", "--provider", "Codex")
    assert [a["provider"] for a in document["accounts"]] == ["codex"] and code == 0


@pytest.mark.parametrize("value", ["127.0.0.1:8123", "http://", "ftp://127.0.0.1", "http://h:x"])
def test_an_origin_override_that_is_not_an_origin_is_exit_2(home, monkeypatch, capsys, value):
    """Ignoring it would send the real token to the real service."""
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    monkeypatch.setenv("AIQUOTA_CODEX_URL", value)
    assert main(["--once", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "AIQUOTA_CODEX_URL" in err


@pytest.mark.parametrize("suffix", ["/", "/prefix", "/prefix/?x=1"])
def test_an_origin_override_keeps_the_providers_path(home, monkeypatch, capsys, suffix) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(lambda s: Reply(body=usage_answer(5, 5))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url + suffix)
        code, _, _ = run_json(capsys)
    assert [s.path for s in server.seen] == ["/backend-api/wham/usage"] and code == 0


def test_a_config_base_url_without_a_host_is_exit_2(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[providers.codex]\nbase_url = "http://"\n')
    assert main(["--once", "--config", str(config)]) == 2
    assert "base_url" in capsys.readouterr().err


def test_a_config_path_with_a_tilde_is_read(home, capsys) -> None:
    (home / "my.toml").write_text('[providers.codex]\nbase_url = "http://"\n')
    assert main(["--once", "--config", "~/my.toml"]) == 2
    assert "base_url" in capsys.readouterr().err
