"""Broken files on disk: credential files, config.toml and themes. A clear message, never a traceback.

Credential files that cannot be read (permissions, a symlink loop, a folder in their place),
are not JSON, hold the wrong types or are far too big each become one account with a status
and a sentence naming the file, through `main(["--once", "--json"])`. A broken config.toml is
exit 2 with the file and the line; unknown settings are warnings. Theme files that do not
load are skipped with a message.

The suite runs as root here, and root reads anything: a chmod 000 test is skipped then, and a
PermissionError is injected through os.open instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.credentials import codex_token, write_codex_auth
from support.servers import aim_every_provider_at_a_closed_port

from providers.registry import BY_ID, provider_settings
from tui.cli import main
from tui.config import ConfigError, load_config
from tui.themes import LoadedTheme, ThemeError, load_theme_file, user_themes

PROPERTY = settings(  # as many examples as the profile asks (tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every provider aimed at a closed local port: a file that does parse can reach nothing."""
    return aim_every_provider_at_a_closed_port(monkeypatch)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out)["accounts"]


def refuse_to_open(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Root reads anything, so the PermissionError of an unreadable file is injected where
    every file is opened (providers/kit/files.py opens with os.open)."""
    real_open = os.open

    def refusing_open(target: Any, *args: Any, **kwargs: Any) -> int:
        if Path(target) == path:
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)


# --------------------------------------------------------------------------- credential files

# provider → (where the file lives, relative to HOME or to the cwd, how it is shown)
LOCATIONS: dict[str, tuple[str, str, str]] = {
    "codex-live": ("codex", "home:.codex/auth.json", "~/.codex/auth.json"),
    "codex-saved": ("codex", "work:account/side.auth.json", "account/side.auth.json"),
    "claude": ("claude", "home:.claude/.credentials.json", "~/.claude/.credentials.json"),
    "copilot": (
        "copilot",
        "home:.config/github-copilot/apps.json",
        "~/.config/github-copilot/apps.json",
    ),
    "gemini": ("gemini", "home:.gemini/oauth_creds.json", "~/.gemini/oauth_creds.json"),
}


def place(location: str, home: Path, work: Path) -> Path:
    base, _, relative = location.partition(":")
    path = (home if base == "home" else work) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def make_loop(path: Path) -> None:
    os.symlink(path.name, path)  # a link to itself


def make_folder(path: Path) -> None:
    path.mkdir()
    (path / "inside.json").write_text("{}")


def writer(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


# defect → (how to make it, words the message must hold)
DEFECTS: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "not_json": (writer(b'{"tokens": {"access_token": "abc"'), ("is not valid JSON", "line 1")),
    "not_json_line_3": (writer(b'{\n  "a": 1,\n  oops\n}'), ("is not valid JSON", "line 3")),
    "binary": (writer(b"\xff\xfe\x00\x01garbage\x80"), ("is not UTF-8 text",)),
    "nul_bytes": (writer(b"\x00" * 64), ("is not valid JSON",)),
    "array": (writer(b'[{"access_token": "abc"}]'), ("is not a JSON object",)),
    "string": (writer(b'"sk-ant-oat01-just-a-string"'), ("is not a JSON object",)),
    "number": (writer(b"12345"), ("is not a JSON object",)),
    "null": (writer(b"null"), ("is not a JSON object",)),
    "huge": (
        writer(b'{"padding": "' + b"x" * 1_500_000 + b'"}'),
        ("is larger than 1 MB", "not a credential file"),
    ),
    "deep": (writer(b"[" * 200_000 + b"]" * 200_000), ("nested too deeply",)),
    "long_number": (writer(b'{"expiresAt": ' + b"9" * 5000 + b"}"), ("a number too long",)),
    "symlink_loop": (make_loop, ("cannot read", "symbolic links")),
    "folder": (make_folder, ("is a folder, not a file",)),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
@pytest.mark.parametrize("location", list(LOCATIONS))
def test_a_broken_credential_file_is_one_clear_account_message(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str], location: str, defect: str
) -> None:
    provider, where, shown = LOCATIONS[location]
    make, words = DEFECTS[defect]
    make(place(where, home, work))
    code, accounts = run_json(capsys, "--provider", provider)
    assert len(accounts) == 1, accounts
    [account] = accounts
    assert account["status"] == "error"
    message = account["message"]
    assert message.startswith(shown) or f" {shown}" in message, message
    for word in words:
        assert word in message, message
    assert "sk-ant" not in message and "abc" not in message  # the document never shows
    assert code == 1


@pytest.mark.parametrize("location", list(LOCATIONS))
def test_permission_denied_is_said_as_such(
    home: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    location: str,
) -> None:
    """Root reads anything, so the PermissionError of an unreadable file is injected."""
    provider, where, shown = LOCATIONS[location]
    path = place(where, home, work)
    write_codex_auth(path, codex_token("acc-x"), "acc-x")  # a valid file, but unreadable
    refuse_to_open(monkeypatch, path)
    code, accounts = run_json(capsys, "--provider", provider)
    [account] = accounts
    assert account["status"] == "error"
    assert account["message"] == f"cannot read {shown}: permission denied"
    assert code == 1


@pytest.mark.skipif(IS_ROOT, reason="root can read a chmod 000 file")
@pytest.mark.parametrize("location", list(LOCATIONS))
def test_a_chmod_000_file_is_permission_denied(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    provider, where, shown = LOCATIONS[location]
    path = place(where, home, work)
    write_codex_auth(path, codex_token("acc-x"), "acc-x")
    path.chmod(0)
    try:
        _, accounts = run_json(capsys, "--provider", provider)
    finally:
        path.chmod(0o600)
    [account] = accounts
    assert account["status"] == "error"
    assert account["message"] == f"cannot read {shown}: permission denied"


def test_a_file_where_a_folder_should_be(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """~/.codex is a file: its auth.json cannot exist, and that is said, not thrown."""
    (home / ".codex").write_text("{}")
    _, accounts = run_json(capsys, "--provider", "codex")
    [account] = accounts
    assert account["status"] == "error"
    assert account["message"] == "cannot read ~/.codex/auth.json: Not a directory"


def test_an_empty_codex_file_is_named(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / ".codex").mkdir()
    (home / ".codex/auth.json").write_text("  \n")
    _, [account] = run_json(capsys, "--provider", "codex")
    assert (account["status"], account["message"]) == ("error", "~/.codex/auth.json is empty")


@pytest.mark.parametrize("provider", ["claude", "gemini"])
def test_an_empty_file_is_no_login_for_claude_and_gemini(
    home: Path, capsys: pytest.CaptureFixture[str], provider: str
) -> None:
    location = LOCATIONS[provider][1]
    place(location, home, home).write_text("")
    code, accounts = run_json(capsys, "--provider", provider)
    assert accounts == [] and code == 0


def test_a_symlink_loop_in_place_of_the_account_folder(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """./account linking to itself is no folder of saved accounts (it used to raise)."""
    os.symlink("account", work / "account")
    code, accounts = run_json(capsys, "--provider", "codex")
    assert accounts == [] and code == 0


def test_a_symlink_loop_in_the_configured_account_dirs(
    tmp_path: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = tmp_path / "loop"
    os.symlink("loop", loop)
    config = tmp_path / "config.toml"
    config.write_text(f'[providers.codex]\naccount_dirs = ["{loop}"]\n')
    code, accounts = run_json(capsys, "--provider", "codex", "--config", str(config))
    assert accounts == [] and code == 0


# Wrong types inside otherwise valid documents: the status and the words for each.
WRONG_TYPES: list[tuple[str, str, Any, str, tuple[str, ...]]] = [
    ("codex", ".codex/auth.json", {"tokens": "abc"}, "auth_expired", ("No access token",)),
    ("codex", ".codex/auth.json", {"tokens": {"access_token": 5}}, "auth_expired", ("No access token",)),
    ("codex", ".codex/auth.json", {"tokens": {"access_token": ["a"]}}, "auth_expired", ("No access token",)),
    ("codex", ".codex/auth.json", {"tokens": None, "OPENAI_API_KEY": 7}, "auth_expired", ("codex login",)),
    ("claude", ".claude/.credentials.json", {"claudeAiOauth": "abc"}, "error", ("is not an object",)),
    ("claude", ".claude/.credentials.json", {"claudeAiOauth": []}, "error", ("is not an object",)),
    ("claude", ".claude/.credentials.json", {"claudeAiOauth": {"accessToken": 5}}, "error", ("is not a string",)),
    ("claude", ".claude/.credentials.json", {"claudeAiOauth": {"accessToken": None}}, "auth_expired", ("No access token",)),
    ("copilot", ".config/github-copilot/apps.json", {"github.com:Iv1.b507": "abc"}, "error", ("is not a JSON object",)),
    ("copilot", ".config/github-copilot/apps.json", {"github.com:Iv1.b507": {"oauth_token": 5}}, "auth_expired", ("No oauth_token",)),
    ("copilot", ".config/github-copilot/apps.json", {"github.com:Iv1.b507": {"user": ["x"], "oauth_token": {}}}, "auth_expired", ("No oauth_token",)),
    ("gemini", ".gemini/oauth_creds.json", {"access_token": 5, "refresh_token": []}, "auth_expired", ("No token",)),
    ("gemini", ".gemini/oauth_creds.json", {"access_token": None}, "auth_expired", ("No token",)),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "where", "document", "status", "words"), WRONG_TYPES)
def test_wrong_types_in_a_credential_file(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    provider: str,
    where: str,
    document: Any,
    status: str,
    words: tuple[str, ...],
) -> None:
    path = home / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    _, [account] = run_json(capsys, "--provider", provider)
    assert account["status"] == status
    for word in words:
        assert word in account["message"]


# Optional fields of an odd type are unknown, not fatal: the token is still tried (and here
# meets a closed port), and nothing raises.
ODD_OPTIONAL: list[tuple[str, str, Any]] = [
    ("codex", ".codex/auth.json", {"tokens": {"access_token": codex_token("acc-1"), "account_id": 5, "id_token": {"a": 1}}, "last_refresh": []}),
    ("claude", ".claude/.credentials.json", {"claudeAiOauth": {"accessToken": "sk-ant-oat01-x", "expiresAt": "soon", "subscriptionType": 5, "rateLimitTier": []}}),
    ("copilot", ".config/github-copilot/apps.json", {"github.com:Iv1.b507": {"oauth_token": "gho_abcdef0123456789", "user": 5}}),
    ("gemini", ".gemini/oauth_creds.json", {"access_token": "ya29.token", "expiry_date": {"x": 1}, "id_token": 5}),
    ("gemini", ".gemini/oauth_creds.json", {"access_token": "ya29.token", "expiry_date": 10**400}),
    ("gemini", ".gemini/oauth_creds.json", {"access_token": "ya29.token", "expiry_date": "9999-99-99"}),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "where", "document"), ODD_OPTIONAL)
def test_odd_optional_fields_are_ignored_not_fatal(
    home: Path, capsys: pytest.CaptureFixture[str], provider: str, where: str, document: Any
) -> None:
    path = home / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    _, [account] = run_json(capsys, "--provider", provider)
    assert account["status"] in {"unreachable", "auth_expired"}, account
    assert "Internal error" not in (account["message"] or "")


def test_one_broken_file_spares_the_others(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every provider's file broken at once, plus one good Codex account: each its own line."""
    for location in LOCATIONS.values():
        place(location[1], home, work).write_text("{oops")
    write_codex_auth(work / "account/good.auth.json", codex_token("acc-good"), "acc-good")
    code, accounts = run_json(capsys)
    by_source = {a["source"]: a for a in accounts}
    for _, _, shown in LOCATIONS.values():
        assert by_source[shown]["status"] == "error"
        assert "is not valid JSON" in by_source[shown]["message"]
    assert by_source["account/good.auth.json"]["status"] == "unreachable"  # the closed port
    assert code == 1


# --------------------------------------------------------------------------- config.toml


def run_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str
) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    config.write_bytes(content.encode() if isinstance(content, str) else content)
    code = main(["--once", "--json", "--config", str(config)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('[providers.codex]\nbase_url = "http://x"\nbroken = = 1\n', ("invalid TOML", "line 3")),
        ("[providers.codex\n", ("invalid TOML", "line 1")),
        ('a = "unterminated\n', ("invalid TOML", "line 1")),
        ("[refresh]\ninterval = 60\n[refresh]\n", ("invalid TOML", "line 3")),
        ("x = 1\nx = 2\n", ("invalid TOML", "line 2")),
        ("[refresh]\n\ninterval = " + "9" * 5000 + "\n", ("too many digits", "line 3")),
        (b"\xff\xfe[refresh]\n", ("not UTF-8",)),
        ("providers = 3\n", ("'providers' must be a table",)),
        ("providers = [1, 2]\n", ("'providers' must be a table",)),
        ("[[providers.codex]]\nbase_url = 'http://x'\n", ("[providers.codex] must be a table",)),
        ("[providers]\ncodex = 'x'\n", ("[providers.codex] must be a table",)),
        ("[providers.codex]\nbase_url = 5\n", ("base_url must be a string",)),
        ("[providers.codex]\nbase_url = true\n", ("base_url must be a string",)),
        ("[providers.codex]\nbase_url = ['http://x']\n", ("base_url must be a string",)),
        ("[providers.codex]\nbase_url = 'ftp://x'\n", ("http:// or https://",)),
        ("[providers.codex]\naccount_dirs = 'x'\n", ("account_dirs must be a list",)),
        ("[providers.codex]\naccount_dirs = [1, 2]\n", ("must be a list of strings",)),
        ("refresh = 5\n", ("'refresh' must be a table",)),
        ("[refresh]\ninterval = 'often'\n", ("interval must be a number",)),
        ("[refresh]\ninterval = true\n", ("interval must be a number",)),
        ("[refresh]\ninterval = 1e400\n", ("interval",)),
        ("[refresh]\ninterval = nan\n", ("interval",)),
        ("[refresh]\nmax_in_flight = 2.5\n", ("max_in_flight must be a number",)),
        ("[refresh]\nmax_in_flight = 100000000000000000000\n", ("between 1 and 64",)),
        ("keys = 'ctrl+r'\n", ("'keys' must be a table",)),
        ("[keys]\nrefresh = 3\n", ("must be a key name",)),
        ("[keys]\nrefresh = ''\n", ("must be a key name",)),
        ("newapi = 1\n", ("'newapi' must be tables",)),
        ("[newapi]\nbase_url = 'http://x'\n", ("'newapi' must be tables",)),
        ("[[newapi]]\nkey = 'k'\n", ("needs base_url",)),
        ("[[newapi]]\nbase_url = 'http://x'\n", ("needs one of key",)),
        ("[[newapi]]\nbase_url = 'http://x'\nkey = 5\n", ("key must be a string",)),
        ("[[newapi]]\nbase_url = 'http://x'\nkey = 'k'\nquota_per_usd = -1\n", ("above 0",)),
        ("[providers.zhipu]\nkey = 'a'\nkey_env = 'B'\n", ("only one of key",)),
        ("[providers.zhipu]\nkey_cmd = []\n", ("key_cmd must name a command",)),
    ],
)
def test_a_broken_config_is_exit_2_with_file_and_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str, words: tuple[str, ...]
) -> None:
    code, out, err = run_config(tmp_path, capsys, content)
    assert code == 2 and out == ""
    assert str(tmp_path / "config.toml") in err
    for word in words:
        assert word in err, err
    assert len(err.strip().splitlines()) == 1  # one sentence, not a dump


def test_a_config_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows editors save UTF-8 with a BOM; the file is still the user's valid config."""
    code, out, err = run_config(tmp_path, capsys, "\ufeff[refresh]\ninterval = 60\n".encode())
    assert code == 0 and err == ""
    assert json.loads(out)["accounts"] == []


def test_unknown_config_keys_are_warnings_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        'colour = "red"\n'
        "[refresh]\nintervall = 60\n"
        "[providers.codex]\nfoo = 1\n"
        "[providers.nosuch]\nbase_url = 'http://x'\n"
        "[[newapi]]\nbase_url = 'http://x'\nkey = 'k'\nextra = true\n"
    )
    code, out, err = run_config(tmp_path, capsys, content)
    assert code in (0, 1)  # the gateway is tried (a closed port): not a config error
    json.loads(out)
    for words in (
        "unknown setting 'colour'",
        "unknown setting 'intervall' in [refresh]",
        "unknown setting 'foo' in [providers.codex]",
        "unknown provider [providers.nosuch]",
        "unknown setting 'extra' in [[newapi]] number 1",
    ):
        assert words in err, err


@pytest.mark.parametrize("kind", ["folder", "symlink_loop", "permission"])
def test_an_unreadable_config_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    config = tmp_path / "config.toml"
    if kind == "folder":
        config.mkdir()
    elif kind == "symlink_loop":
        os.symlink("config.toml", config)
    else:
        config.write_text("[refresh]\ninterval = 60\n")
        refuse_to_open(monkeypatch, config)
    code = main(["--once", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2 and str(config) in err and "Traceback" not in err
    assert {"folder": "is a folder", "symlink_loop": "cannot read", "permission": "permission"}[
        kind
    ] in err


# Any TOML document: a Config or a ConfigError, nothing else.
_toml_leaves = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["http://x", "https://y:1", "ftp://z", "ctrl+r", "", "~/x"]),
)
_config_keys = st.sampled_from(
    ["providers", "refresh", "keys", "newapi", "codex", "zhipu", "newapi", "base_url",
     "account_dirs", "interval", "max_in_flight", "key", "key_env", "key_cmd", "name",
     "quota_per_usd", "refresh_all", "project", "client_id", "cache_path", "x"]
)  # fmt: skip
_toml_tables = st.recursive(
    st.dictionaries(_config_keys, _toml_leaves, max_size=4),
    lambda children: st.dictionaries(
        _config_keys,
        st.one_of(
            _toml_leaves,
            children,
            st.lists(children, max_size=2),
            st.lists(_toml_leaves, max_size=3),
        ),
        max_size=4,
    ),
    max_leaves=20,
)


@PROPERTY
@given(_toml_tables)
def test_any_config_document_is_a_config_or_a_config_error(document: dict[str, Any]) -> None:
    text = tomli_w.dumps(document)
    path = Path.cwd() / "fuzz.toml"
    path.write_text(text)
    try:
        config = load_config(path, explicit=True, known_providers=provider_settings())
    except ConfigError as error:
        assert str(error).startswith(str(path))
        return
    config.refresh_policy()
    for provider_id in BY_ID:
        config.provider(provider_id)


# --------------------------------------------------------------------------- themes

GOOD_THEME = 'name = "mine"\nprimary = "#6cb6ff"\n'


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('name = "x"\nprimary = \n', ("invalid TOML", "line 2")),
        ("[theme\n", ("invalid TOML", "line 1")),
        ('name = "x"\nprimary = "#fff"\nlow = ' + "1" * 5000, ("too many digits", "line 3")),
        (b"\xff\xfe", ("not UTF-8 text",)),
        ("", ("'name' is missing",)),
        ('primary = "#fff"\n', ("'name' is missing",)),
        ('name = 5\nprimary = "#fff"\n', ("'name' must be a string",)),
        ('name = " x "\nprimary = "#fff"\n', ("must not be empty",)),
        ('name = "a,b"\nprimary = "#fff"\n', ("comma",)),
        ('name = "x"\n', ("'primary' is missing",)),
        ('name = "x"\nprimary = 5\n', ("'primary' must be a colour string",)),
        ('name = "x"\nprimary = ["#fff"]\n', ("'primary' must be a colour string",)),
        ('name = "x"\nprimary = "not-a-colour"\n', ("'primary' is not a colour",)),
        ('name = "x"\nprimary = "#fff"\nlow = "rgb(1,2)"\n', ("'low' is not a colour",)),
        ('name = "x"\nprimary = "#fff"\ndark = "yes"\n', ("'dark' must be true or false",)),
        ('name = "x"\nprimary = "' + "z" * 100 + '"\n', ("is not a colour", "…")),
        ('name = "x"\nprimary = "#fff"\n# ' + "x" * 300_000 + "\n", ("larger than 256 KB",)),
    ],
)
def test_a_broken_theme_file_is_a_theme_error(
    tmp_path: Path, content: bytes | str, words: tuple[str, ...]
) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ThemeError) as raised:
        load_theme_file(path)
    assert str(raised.value).startswith(str(path))
    for word in words:
        assert word in raised.value.problem, raised.value.problem


def test_unknown_theme_keys_are_warnings_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD_THEME + 'primay = "#fff"\n[extra]\na = 1\n')
    loaded = load_theme_file(path)
    assert loaded.theme.name == "mine"
    assert any(
        "unknown key 'primay'" in w and "did you mean 'primary'" in w for w in loaded.warnings
    )
    assert any("unknown key 'extra'" in w for w in loaded.warnings)


@pytest.mark.parametrize("kind", ["folder", "symlink_loop", "missing", "permission"])
def test_an_unreadable_theme_file_is_a_theme_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = tmp_path / "theme.toml"
    if kind == "folder":
        path.mkdir()
    elif kind == "symlink_loop":
        os.symlink("theme.toml", path)
    elif kind == "permission":
        path.write_text(GOOD_THEME)
        refuse_to_open(monkeypatch, path)
    with pytest.raises(ThemeError) as raised:
        load_theme_file(path)
    expected = {
        "folder": "is a folder",
        "symlink_loop": "cannot read",
        "missing": "no such file",
        "permission": "permission denied",
    }[kind]
    assert expected in raised.value.problem


def test_user_themes_skip_every_broken_file_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "a-good.toml").write_text(GOOD_THEME)
    (folder / "b-bad-toml.toml").write_text("name = \n")
    (folder / "c-binary.toml").write_bytes(b"\xff\x00")
    (folder / "d-typed.toml").write_text('name = "t"\nprimary = 1\n')
    (folder / "e-dupe.toml").write_text(GOOD_THEME)
    (folder / "f-folder.toml").mkdir()
    os.symlink("g-loop.toml", folder / "g-loop.toml")
    (folder / "h-unknown.toml").write_text('name = "other"\nprimary = "#fff"\nfoo = 1\n')
    themes, messages = user_themes(folder)
    assert [theme.name for theme in themes] == ["mine", "other"]
    skipped = [m for m in messages if "skipped" in m]
    assert len(skipped) == 6, messages
    for name in ("b-bad-toml", "c-binary", "d-typed", "e-dupe", "f-folder", "g-loop"):
        assert any(f"{name}.toml skipped" in m for m in skipped), (name, messages)
    assert any("unknown key 'foo'" in m for m in messages)


@pytest.mark.parametrize("kind", ["file", "loop"])
def test_user_themes_folder_that_is_not_a_folder(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "themes"
    if kind == "file":
        folder.write_text("x")
    else:
        os.symlink("themes", folder)
    themes, messages = user_themes(folder)
    assert themes == []
    assert all("Traceback" not in m for m in messages)


_theme_values = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["#fff", "#11151c", "red", "ansi_red", "rgb(1,2,3)", "hsl(1,2%,3%)",
                     "#12345", "rgba(0,0,0,2)", "$primary", "auto 50%", "transparent"]),
    st.lists(st.text(max_size=3), max_size=2),
)  # fmt: skip
_theme_keys = st.sampled_from(
    ["name", "dark", "primary", "secondary", "accent", "warning", "error", "success",
     "background", "surface", "panel", "foreground", "plenty", "low", "critical", "exhausted",
     "primay", "x"]
)  # fmt: skip


@PROPERTY
@given(st.dictionaries(_theme_keys, _theme_values, max_size=10))
def test_any_theme_document_is_a_theme_or_a_theme_error(document: dict[str, Any]) -> None:
    path = Path.cwd() / "fuzz-theme.toml"
    path.write_text(tomli_w.dumps(document))
    try:
        loaded = load_theme_file(path)
    except ThemeError as error:
        assert error.problem and str(error).startswith(str(path))
        return
    assert isinstance(loaded, LoadedTheme)
    assert loaded.theme.name == document["name"]
