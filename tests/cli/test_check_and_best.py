"""`aiquota-tui check` exit codes and `--activate best`'s choice, against a local Codex service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.credentials import DAY, codex_token, usage_answer, write_codex_auth
from support.json_contract import assert_schema_1
from support.servers import LocalServer, Reply, Seen

from tui.cli import main as cli_main
from tui.commands.check import main as check_main

# account id → the answer for it (a dict body, or a Reply for failures)
Answers = dict[str, Any]


@pytest.fixture
def service(monkeypatch) -> Iterator[Answers]:
    answers: Answers = {}

    def answer(seen: Seen) -> Reply:
        chosen = answers.get(seen.headers.get("chatgpt-account-id", ""))
        if isinstance(chosen, Reply):
            return chosen
        return Reply(body=chosen if chosen is not None else usage_answer(0, 0))

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        yield answers


def saved(work: Path, name: str) -> Path:
    return write_codex_auth(
        work / f"account/{name}.auth.json", codex_token(f"id-{name}"), f"id-{name}"
    )


def live(home: Path, name: str) -> Path:
    """~/.codex/auth.json logged into the account `name` (its saved twin, when there is one)."""
    return write_codex_auth(
        home / ".codex/auth.json", codex_token(f"id-{name}", marker="live"), f"id-{name}"
    )


# ------------------------------------------------------------------ check


def test_every_window_above_the_line_passes(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    service["id-a"] = usage_answer(10, 40)  # 90 % and 60 % left
    assert check_main(["--min-left", "60"]) == 0


def test_a_low_window_fails_and_is_named(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(10, 40)
    service["id-b"] = usage_answer(85, 20)  # five_hour 15 % left
    assert check_main(["--min-left", "20"]) == 1
    assert "codex/b five_hour has 15% left, under 20%" in capsys.readouterr().err


def test_an_unreadable_account_is_3_unless_one_is_low(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(10, 40)
    service["id-b"] = Reply(status=401, body={})
    assert check_main(["--min-left", "20"]) == 3
    assert "codex/b could not be read (auth_expired)" in capsys.readouterr().err
    service["id-a"] = usage_answer(95, 40)
    assert check_main(["--min-left", "20"]) == 1  # a low window wins


def test_window_and_account_select(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(95, 10)  # five_hour 5 % left, weekly 90 %
    service["id-b"] = usage_answer(10, 99)  # weekly 1 % left
    assert check_main(["--min-left", "20", "--window", "weekly", "--account", "a"]) == 0
    assert check_main(["--min-left", "20", "--window", "weekly"]) == 1
    assert check_main(["--min-left", "20", "--account", "B", "--window", "five_hour"]) == 0
    capsys.readouterr()


def test_an_account_name_that_matches_none_is_a_usage_error(
    work: Path, service: Answers, capsys
) -> None:
    saved(work, "alpha")
    saved(work, "Beta")
    service["id-alpha"] = usage_answer(10, 10)
    assert check_main(["--min-left", "20", "--account", "alhpa"]) == 2
    err = capsys.readouterr().err
    assert "alhpa" in err and "alpha, Beta" in err  # the names that exist, to correct the typo
    assert check_main(["--min-left", "20", "--account", "alhpa", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["check"]["passed"] is False


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--min-left", "101"],
        ["--min-left", "-1"],
        ["--min-left", "x"],
        ["--min-left", "nan"],
        ["--min-left", "5", "--provider", "nope"],
    ],
)
def test_bad_arguments_are_2(args: list[str], capsys) -> None:
    assert check_main(args) == 2


def test_json_is_the_once_document_with_the_verdict(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    service["id-a"] = usage_answer(85, 40)
    capsys.readouterr()
    assert check_main(["--min-left", "20", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    check = document.pop("check")
    assert_schema_1(document)
    assert check == {
        "min_left": 20.0,
        "passed": False,
        "failing": [
            {"provider": "codex", "account": "a", "window": "five_hour", "remaining_percent": 15.0}
        ],
    }


def test_check_runs_from_the_command_line(work: Path, service: Answers, monkeypatch) -> None:
    import sys

    from tui.entry import entry_point

    saved(work, "a")
    service["id-a"] = usage_answer(10, 10)
    monkeypatch.setattr(sys, "argv", ["aiquota-tui", "check", "--min-left", "50"])
    with pytest.raises(SystemExit) as stop:
        entry_point()
    assert stop.value.code == 0


# ------------------------------------------------------------------ --activate best


def active_account_id(home: Path) -> str:
    return json.loads((home / ".codex/auth.json").read_text())["tokens"]["account_id"]


def test_best_activates_the_most_headroom(home: Path, work: Path, service: Answers, capsys) -> None:
    live(home, "a")
    for name in ("a", "b", "c"):
        saved(work, name)
    service["id-a"] = usage_answer(95, 50)  # 5 % left in five_hour
    service["id-b"] = usage_answer(40, 50)  # lower window 50 %
    service["id-c"] = usage_answer(20, 30)  # lower window 70 %: best
    assert cli_main(["--activate", "best"]) == 0
    assert active_account_id(home) == "id-c"
    err = capsys.readouterr().err
    assert "'c'" in err and "70% left" in err
    assert ". It has the most room: 70% left" in err  # one sentence ends before the next


def test_best_already_active_writes_nothing(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    path = live(home, "a")
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(10, 20)
    service["id-b"] = usage_answer(40, 40)
    before = path.read_bytes()
    assert cli_main(["--activate", "best"]) == 0
    assert path.read_bytes() == before
    assert "already active" in capsys.readouterr().err


def test_none_qualifies_writes_nothing(home: Path, work: Path, service: Answers, capsys) -> None:
    path = live(home, "a")
    saved(work, "a")
    saved(work, "b")
    saved(work, "c")
    service["id-a"] = usage_answer(95, 20)
    service["id-b"] = usage_answer(75, 10)  # 25 % left: under the default target of 30
    service["id-c"] = Reply(status=401, body={})
    before = path.read_bytes()
    assert cli_main(["--activate", "best"]) == 1
    assert path.read_bytes() == before
    err = capsys.readouterr().err
    assert "no saved Codex account qualifies" in err and "not readable (auth_expired)" in err


def test_target_min_comes_from_the_config(
    home: Path, work: Path, service: Answers, tmp_path: Path
) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(95, 20)
    service["id-b"] = usage_answer(75, 10)
    config = tmp_path / "config.toml"
    config.write_text("[providers.codex]\nswitch_target_min = 20\n")
    assert cli_main(["--config", str(config), "--activate", "best"]) == 0
    assert active_account_id(home) == "id-b"


def test_ties_go_to_the_earliest_weekly_reset(home: Path, work: Path, service: Answers) -> None:
    live(home, "a")
    for name in ("a", "late", "soon"):
        saved(work, name)
    service["id-a"] = usage_answer(99, 99)
    late, soon = usage_answer(40, 40), usage_answer(40, 40)
    soon["rate_limit"]["secondary_window"]["reset_at"] -= DAY
    service["id-late"], service["id-soon"] = late, soon
    assert cli_main(["--activate", "best"]) == 0
    assert active_account_id(home) == "id-soon"


def test_one_window_counts_that_window(home: Path, work: Path, service: Answers) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "weekly-only")
    service["id-a"] = usage_answer(99, 99)
    only = usage_answer(0, 20)
    only["rate_limit"]["primary_window"] = only["rate_limit"].pop("secondary_window")
    only["rate_limit"]["secondary_window"] = None
    service["id-weekly-only"] = only
    assert cli_main(["--activate", "best"]) == 0
    assert active_account_id(home) == "id-weekly-only"


# ------------------------------------------------------------------ check, every case (review)


@pytest.mark.parametrize(
    ("a", "b", "min_left", "code"),
    [
        (usage_answer(50, 50), usage_answer(50, 50), "50", 0),  # exactly N left passes
        (usage_answer(50, 50), usage_answer(51, 50), "50", 1),
        (usage_answer(100, 100), usage_answer(100, 100), "0", 0),  # nothing left, N = 0
        (usage_answer(0, 0), usage_answer(0, 0), "100", 0),
        (usage_answer(0, 0.5), usage_answer(0, 0), "100", 1),
        (usage_answer(0, 0), Reply(status=401, body={}), "10", 3),
        (usage_answer(95, 0), Reply(status=401, body={}), "10", 1),  # low wins over unreadable
        (Reply(status=500, body={}), Reply(status=401, body={}), "10", 3),
        (usage_answer(120, 0), usage_answer(0, 0), "0.5", 1),  # past 100 % used: 0 left
    ],
)
def test_check_exit_codes(work: Path, service: Answers, capsys, a, b, min_left, code) -> None:
    saved(work, "a")
    saved(work, "b")
    service["id-a"], service["id-b"] = a, b
    assert check_main(["--min-left", min_left]) == code
    err = capsys.readouterr().err
    if code == 1:
        assert "has " in err and f"under {float(min_left):g}%" in err
    if code == 3:
        assert "could not be read" in err


def test_unlimited_windows_and_balances_only_pass(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    service["id-a"] = {
        "plan_type": "pro",
        "rate_limit": None,
        "credits": {"has_credits": True, "unlimited": True, "balance": None},
    }
    assert check_main(["--min-left", "100"]) == 0


def test_a_window_no_account_has_is_a_usage_error(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    service["id-a"] = usage_answer(10, 10)
    assert check_main(["--min-left", "20", "--window", "fivehour"]) == 2
    err = capsys.readouterr().err
    assert "fivehour" in err and "five_hour" in err
    assert check_main(["--min-left", "20", "--window", "five_hour", "--window", "nope"]) == 2
    capsys.readouterr()
    assert check_main(["--min-left", "20", "--window", "nope", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["check"]["passed"] is False
    # An account that could not be read may have it: that is the surer answer, 3.
    saved(work, "b")
    service["id-b"] = Reply(status=401, body={})
    assert check_main(["--min-left", "20", "--window", "nope"]) == 3


def test_json_without_any_account_still_prints_the_verdict(work: Path, capsys) -> None:
    assert check_main(["--min-left", "20", "--json"]) == 3
    document = json.loads(capsys.readouterr().out)
    assert document["accounts"] == []
    assert document["check"] == {"min_left": 20.0, "passed": False, "failing": []}


def test_json_passes_when_every_window_has_room(work: Path, service: Answers, capsys) -> None:
    saved(work, "a")
    service["id-a"] = usage_answer(10, 10)
    assert check_main(["--min-left", "20", "--json"]) == 0
    check = json.loads(capsys.readouterr().out)["check"]
    assert check == {"min_left": 20.0, "passed": True, "failing": []}


# ------------------------------------------------------------------ --activate best (review)


def every_file(*roots: Path) -> dict:
    from support.leaks import fingerprint

    return fingerprint(p for root in roots for p in sorted(root.rglob("*")) if p.is_file())


def test_none_qualifies_touches_no_file_at_all(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(95, 20)
    service["id-b"] = usage_answer(80, 10)
    before = every_file(home, work)
    assert cli_main(["--activate", "best"]) == 1
    assert every_file(home, work) == before
    assert not (home / ".cache").exists() and not (home / ".local/state").exists()
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert "a: 5% left, under 30%" in err and "b: 20% left, under 30%" in err


def test_already_active_touches_no_file_at_all(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "b")
    service["id-a"] = usage_answer(10, 10)
    service["id-b"] = usage_answer(50, 50)
    before = every_file(home, work)
    assert cli_main(["--activate", "best"]) == 0
    assert every_file(home, work) == before
    assert "'a' is already active" in capsys.readouterr().err


def test_no_saved_account_at_all_is_1(home: Path, work: Path, capsys) -> None:
    assert cli_main(["--activate", "best"]) == 1
    assert "no saved Codex account qualifies" in capsys.readouterr().err
    assert not list(home.rglob("*")) and not list(work.rglob("*"))


def test_an_expired_token_is_skipped_without_a_request(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "b")
    write_codex_auth(
        work / "account/expired.auth.json", codex_token("id-expired", expires_in=-60), "id-expired"
    )
    service["id-a"] = usage_answer(95, 95)
    service["id-b"] = usage_answer(50, 50)
    service["id-expired"] = usage_answer(0, 0)  # would be best, if it were asked
    assert cli_main(["--activate", "best"]) == 0
    assert active_account_id(home) == "id-b"


def test_an_opencode_login_is_never_a_target(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    from support.credentials import write_opencode_auth

    live(home, "a")
    saved(work, "a")
    write_opencode_auth(
        home,
        {
            "openai": {
                "type": "oauth",
                "access": codex_token("id-oc"),
                "accountId": "id-oc",
                "expires": 0,
            }
        },
    )
    service["id-a"] = usage_answer(95, 95)
    service["id-oc"] = usage_answer(0, 0)
    before = every_file(home, work)
    assert cli_main(["--activate", "best"]) == 1  # the only room is OpenCode's own login
    assert every_file(home, work) == before


def test_a_saved_account_named_best_is_judged_like_the_others(
    home: Path, work: Path, service: Answers, capsys
) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "best")
    saved(work, "roomy")
    service["id-a"] = usage_answer(95, 95)
    service["id-best"] = usage_answer(60, 60)
    service["id-roomy"] = usage_answer(10, 10)
    assert cli_main(["--activate", "best"]) == 0  # the word, not the file
    assert active_account_id(home) == "id-roomy"


def test_the_demo_never_activates_anything(home: Path, work: Path, capsys) -> None:
    live(home, "a")
    saved(work, "a")
    saved(work, "b")
    before = every_file(home, work)
    for name in ("best", "b"):
        assert cli_main(["--demo", "--activate", name]) == 2
        assert "--demo" in capsys.readouterr().err
    assert every_file(home, work) == before
