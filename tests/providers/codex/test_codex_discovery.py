"""Where Codex logins are found, how they are named, merged and checked offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.credentials import DAY, codex_token, write_codex_auth, write_opencode_auth

from providers.base import Account, DiscoveryContext, Problem
from providers.codex import provider as codex
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status, Window


def discover(home: Path, *, account_dirs: tuple[Path, ...] = (), settings: dict | None = None):
    context = DiscoveryContext(paths=Paths(), settings=settings or {}, account_dirs=account_dirs)
    return codex.discover(context)


def by_label(accounts):
    return {account.label: account for account in accounts}


def test_live_login_is_active_and_named_by_its_email(home: Path) -> None:
    write_codex_auth(
        home / ".codex/auth.json", codex_token("acc-1"), "acc-1", email="me@example.com"
    )
    [account] = discover(home)
    assert account.active
    assert account.label == "me@example.com"
    assert account.source == "~/.codex/auth.json"
    assert account.identity == "acc-1"


def test_live_login_without_email_is_named_default(home: Path) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    [account] = discover(home)
    assert account.label == "default"


def test_codex_home_moves_the_live_login(home: Path, tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "codex-elsewhere"
    write_codex_auth(elsewhere / "auth.json", codex_token("acc-9"), "acc-9")
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    monkeypatch.setenv("CODEX_HOME", str(elsewhere))
    [account] = discover(home)
    assert account.identity == "acc-9"


def test_saved_accounts_are_named_by_file_stem(home: Path, work: Path) -> None:
    write_codex_auth(work / "account/alpha.auth.json", codex_token("acc-a"), "acc-a")
    write_codex_auth(work / "account/beta.auth.json", codex_token("acc-b"), "acc-b")
    (work / "account/notes.json").write_text("{}")  # not a saved account
    accounts = by_label(discover(home))
    assert set(accounts) == {"alpha", "beta"}
    assert accounts["alpha"].source == "account/alpha.auth.json"
    assert not accounts["alpha"].active


def test_live_login_with_a_saved_twin_keeps_the_saved_name_and_the_live_token(
    home: Path, work: Path
) -> None:
    live_token = codex_token("acc-w", marker="live")
    write_codex_auth(home / ".codex/auth.json", live_token, "acc-w", email="w@example.com")
    write_codex_auth(work / "account/work.auth.json", codex_token("acc-w", marker="old"), "acc-w")
    write_codex_auth(work / "account/side.auth.json", codex_token("acc-s"), "acc-s")
    accounts = by_label(discover(home))
    assert set(accounts) == {"work", "side"}
    assert accounts["work"].active
    assert accounts["work"].source == "~/.codex/auth.json"
    assert accounts["work"].secret.reveal() == live_token
    assert not accounts["side"].active


def test_duplicate_saved_accounts_and_opencode_twin_collapse_to_one(home: Path, work: Path) -> None:
    write_codex_auth(work / "account/a.auth.json", codex_token("acc-1"), "acc-1")
    write_codex_auth(work / "account/b.auth.json", codex_token("acc-1", marker="b"), "acc-1")
    write_opencode_auth(
        home,
        {
            "openai": {
                "type": "oauth",
                "access": codex_token("acc-1", marker="oc"),
                "accountId": "acc-1",
                "expires": 0,
            }
        },
    )
    accounts = discover(home)
    assert [account.label for account in accounts] == ["a"]


def test_account_id_falls_back_to_the_jwt_claim(home: Path, work: Path) -> None:
    write_codex_auth(work / "account/x.auth.json", codex_token("acc-from-claim"), None)
    [account] = discover(home)
    assert account.identity == "acc-from-claim"
    assert account.extra["account_id"] == "acc-from-claim"


def test_opencode_openai_entry_is_an_account(home: Path, monkeypatch, tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    (data_home / "opencode").mkdir(parents=True)
    token = codex_token("acc-oc", email="oc@example.com")
    (data_home / "opencode/auth.json").write_text(
        json.dumps(
            {
                "openai": {
                    "type": "oauth",
                    "access": token,
                    "refresh": "r",
                    "expires": 4102444800000,
                    "accountId": "acc-oc",
                }
            }
        )
    )
    [account] = discover(home)
    assert account.label == "oc@example.com"
    assert account.identity == "acc-oc"
    assert not account.active


def test_extra_account_dirs_from_cli_and_config(home: Path, tmp_path: Path) -> None:
    cli_dir = tmp_path / "from-cli"
    cfg_dir = home / "codex-accounts"
    write_codex_auth(cli_dir / "c.auth.json", codex_token("acc-c"), "acc-c")
    write_codex_auth(cfg_dir / "d.auth.json", codex_token("acc-d"), "acc-d")
    accounts = discover(
        home, account_dirs=(cli_dir,), settings={"account_dirs": ["~/codex-accounts"]}
    )
    assert {account.label for account in accounts} == {"c", "d"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON (line 1"),
        (b"", "is empty"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_broken_saved_file_is_its_own_account_with_a_clear_message(
    work: Path, home: Path, content: bytes, expected: str
) -> None:
    (work / "account").mkdir()
    (work / "account/bad.auth.json").write_bytes(content)
    write_codex_auth(work / "account/good.auth.json", codex_token("acc-g"), "acc-g")
    accounts = by_label(discover(home))
    assert accounts["good"].problem is None
    assert accounts["bad"].problem is not None
    assert accounts["bad"].problem.status is Status.ERROR
    assert expected in accounts["bad"].problem.message


def test_api_key_login_has_no_plan_quota(home: Path) -> None:
    path = home / ".codex/auth.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps({"OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz", "tokens": None})
    )
    [account] = discover(home)
    assert account.problem.status is Status.AUTH_EXPIRED
    assert "API key" in account.problem.message
    assert "sk-proj" not in account.problem.message


NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_precheck_rejects_a_browser_session_token(home: Path, work: Path) -> None:
    write_codex_auth(work / "account/s.auth.json", "sess-AbCdEfGhIjKlMnOpQrStUv", "acc-s")
    [account] = discover(home)
    problem = codex.precheck(account, NOW)
    assert problem.status is Status.AUTH_EXPIRED
    assert "session token" in problem.message
    assert "AbCdEfGh" not in problem.message


def test_precheck_rejects_an_expired_jwt_and_passes_a_valid_one(home: Path, work: Path) -> None:
    write_codex_auth(work / "account/old.auth.json", codex_token("acc-o", expires_in=-DAY), "acc-o")
    write_codex_auth(work / "account/new.auth.json", codex_token("acc-n"), "acc-n")
    accounts = by_label(discover(home))
    now = datetime.now(UTC)
    problem = codex.precheck(accounts["old"], now)
    assert problem.status is Status.AUTH_EXPIRED
    assert "expired at" in problem.message and "codex login" in problem.message
    assert codex.precheck(accounts["new"], now) is None


def test_precheck_uses_opencode_expiry_for_opaque_tokens(home: Path) -> None:
    write_opencode_auth(
        home,
        {
            "openai": {
                "access": "opaque-token-value-123456",
                "accountId": "acc-x",
                "expires": 1_700_000_000_000,
            }
        },
    )
    [account] = discover(home)
    assert codex.precheck(account, NOW).status is Status.AUTH_EXPIRED


def _snap(
    name: str, five: float | None, week: float | None, week_reset_days: float = 3
) -> AccountSnapshot:
    windows = []
    if five is not None:
        windows.append(Window("five_hour", "5h", used_percent=100 - five))
    if week is not None:
        windows.append(
            Window(
                "weekly",
                "Weekly",
                used_percent=100 - week,
                resets_at=NOW + timedelta(days=week_reset_days),
            )
        )
    return AccountSnapshot("codex", name, "x", False, Status.OK, windows=tuple(windows))


def test_order_is_five_hour_left_then_weekly_left_then_reset_then_name() -> None:
    snapshots = [
        _snap("zeta", 50, 50, 2),
        _snap("alpha", 50, 50, 2),
        _snap("early", 50, 50, 1),
        _snap("more-weekly", 50, 80),
        _snap("top", 90, 10),
        _snap("unknown", None, None),
    ]
    ordered = sorted(snapshots, key=codex.sort_key)
    assert [s.account for s in ordered] == [
        "top",
        "more-weekly",
        "early",
        "alpha",
        "zeta",
        "unknown",
    ]


def test_precheck_honours_a_past_opencode_expiry_even_with_a_future_jwt_exp(home: Path) -> None:
    """OpenCode's `expires` (ms) in the past means expired, whatever the JWT's own `exp` says."""
    write_opencode_auth(
        home,
        {
            "openai": {
                "access": codex_token("acc-x"),  # exp five days ahead
                "accountId": "acc-x",
                "expires": int((datetime.now(UTC) - timedelta(hours=1)).timestamp() * 1000),
            }
        },
    )
    [account] = discover(home)
    problem = codex.precheck(account, datetime.now(UTC))
    assert problem is not None and problem.status is Status.AUTH_EXPIRED
    assert "codex login" in problem.message or "opencode" in problem.message.lower()


@pytest.mark.parametrize(
    ("cwd", "shown"),
    [
        ("/t", "~/.codex/auth.json"),  # cwd above home: home is the nearer base
        ("/t/home", "~/.codex/auth.json"),
        ("/t/home/work", "~/.codex/auth.json"),
        ("/elsewhere", "~/.codex/auth.json"),
        ("/t/home/.codex", "auth.json"),  # cwd nearer than home: relative to it
    ],
)
def test_a_source_is_shown_from_the_nearest_base(cwd: str, shown: str) -> None:
    paths = Paths({"HOME": "/t/home"}, Path(cwd))
    assert paths.display(Path("/t/home/.codex/auth.json")) == shown
    assert (
        Paths({"HOME": "/t/home"}, Path("/t/home/work")).display(
            Path("/t/home/work/account/a.auth.json")
        )
        == "account/a.auth.json"
    )


# Accounts drawn from a few identities and tokens, some with neither, some broken: every way
# two logins can be (or not be) one ChatGPT account.
_ACCOUNTS = st.builds(
    lambda identity, token, broken: Account(
        provider="codex",
        label="x",
        source="test",
        secret=Secret(f"token-{token}-0123456789") if token is not None else None,
        identity=identity,
        problem=Problem(Status.ERROR, "broken") if broken else None,
    ),
    st.sampled_from([None, "acc-1", "acc-2"]),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
)


@given(st.lists(_ACCOUNTS, max_size=8), _ACCOUNTS)
def test_the_linear_twin_index_agrees_with_the_pairwise_rule(kept: list, account) -> None:
    """discover() checks each login against an index instead of every kept one (n, not n²):
    it must find a twin exactly when _same_account says one of the usable kept logins is."""
    index = codex._Kept()
    for each in kept:
        index.add(each)
    pairwise = any(not k.problem and codex._same_account(k, account) for k in kept)
    assert index.has_twin(account) == pairwise


def test_many_saved_copies_of_few_accounts_collapse_to_those_accounts(
    home: Path, work: Path
) -> None:
    for number in range(60):
        account_id = f"acc-{number % 3}"
        write_codex_auth(
            work / f"account/n{number:02d}.auth.json", codex_token(account_id), account_id
        )
    found = discover(home)
    assert [(a.label, a.identity) for a in found] == [
        ("n00", "acc-0"),
        ("n01", "acc-1"),
        ("n02", "acc-2"),
    ]
