"""Antigravity's local cache (PROVIDERS.md §5b): the generic protobuf decoder, the mapping
onto windows, the read-only SQLite read and every way it fails, where the file is looked
for, the demo, and the cached apiKey never reaching any output."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sqlite3
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.protobuf_encoder import (
    Model,
    auth_json,
    f_bytes,
    f_double,
    f_fixed32,
    f_fixed64,
    f_message,
    f_string,
    f_varint,
    tag,
    user_status,
    write_state,
)

from providers.base import Account, DiscoveryContext
from providers.collect import fetch_snapshot
from providers.google import cache
from providers.google import cache_demo as demo_antigravity_cache
from providers.google.cache import (
    ParseError,
    parse_auth_status,
    parse_user_status,
    window_id,
)
from providers.kit.http import FetchError, HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.protobuf import decode
from providers.kit.secrets import mask
from providers.model import AccountSnapshot, Quota, Status
from tui.once import json_document

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RESET = int(datetime(2026, 11, 26, 16, 53, 8, tzinfo=UTC).timestamp())
EMAIL = "someone@example.com"
CANARY = "canary-apikey-ya29-DO-NOT-LEAK-7f3a9c"

SONNET = Model("Claude Sonnet 4.6 (Thinking)", 0.85, RESET)
GEMINI = Model("Gemini 3.1 Pro (High)", 0.2, RESET + 3600, double=True)
SAMPLE = user_status(EMAIL, [[SONNET], [GEMINI]])


def linux_file(home: Path) -> Path:
    return home / ".config" / "Antigravity" / "User" / "globalStorage" / "state.vscdb"


def context(home: Path, env: dict[str, str] | None = None, **settings: Any) -> DiscoveryContext:
    return DiscoveryContext(paths=Paths({"HOME": str(home), **(env or {})}), settings=settings)


def account_for(path: Path, source: str | None = None) -> Account:
    return Account(
        provider="antigravity",
        label="local cache",
        source=source or str(path),
        identity=f"cache:{path}",
        extra={"kind": "cache"},
        path=path,
    )


def fetch(path: Path, now: datetime = NOW) -> Quota:
    return asyncio.run(cache.fetch(account_for(path), now))


def fetch_error(path: Path) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(path)
    return caught.value


def aged(path: Path, seconds: float, now: datetime = NOW) -> Path:
    moment = now.timestamp() - seconds
    os.utime(path, (moment, moment))
    return path


# =========================================================================== the decoder


def test_every_wire_type_decodes_to_its_raw_value() -> None:
    data = (
        f_varint(1, 150)
        + f_fixed64(2, struct.pack("<d", 2.5))
        + f_string(3, "héllo")
        + f_fixed32(4, struct.pack("<f", 0.5))
    )
    message = decode(data)
    assert sorted(message) == [1, 2, 3, 4]
    assert message.first(1).wire == 0 and message.first(1).integer() == 150
    assert message.first(2).wire == 1 and message.first(2).number() == 2.5
    assert message.first(3).wire == 2 and message.first(3).text() == "héllo"
    assert message.first(4).wire == 5 and message.first(4).number() == 0.5


def test_fixed_width_values_read_as_integers_too() -> None:
    message = decode(f_fixed64(1, struct.pack("<q", -3)) + f_fixed32(2, struct.pack("<I", 7)))
    assert message.first(1).signed() == -3
    assert message.first(1).integer() == (1 << 64) - 3
    assert message.first(2).integer() == 7 and message.first(2).signed() == 7


def test_large_and_negative_varints() -> None:
    message = decode(f_varint(1, 2**63 + 5) + f_varint(2, -2) + f_varint(3, 0))
    assert message.first(1).integer() == 2**63 + 5
    assert message.first(2).signed() == -2
    assert message.first(3).integer() == 0


def test_large_field_numbers() -> None:
    assert decode(f_varint(536_870_911, 1)).first(536_870_911).integer() == 1
    assert decode(f_string(33, "x")).first(33).text() == "x"


def test_repeated_fields_keep_every_occurrence_in_order() -> None:
    message = decode(f_varint(5, 1) + f_string(6, "a") + f_varint(5, 2) + f_varint(5, 3))
    assert [value.integer() for value in message.all(5)] == [1, 2, 3]
    assert message.all(99) == [] and message.first(99) is None


def test_nested_messages_decode_lazily_and_recursively() -> None:
    inner = f_string(1, "deep") + f_varint(2, 9)
    data = f_message(1, f_message(2, inner), f_varint(3, 4))
    outer = decode(data)
    assert isinstance(outer.first(1).raw, bytes)  # not decoded until asked
    middle = outer.first(1).message()
    assert middle.first(3).integer() == 4
    assert middle.first(2).message().first(1).text() == "deep"


def test_a_broken_nested_message_only_fails_when_it_is_opened() -> None:
    outer = decode(f_bytes(1, b"\x0a\x05ab") + f_varint(2, 1))
    assert outer.first(2).integer() == 1
    with pytest.raises(ParseError, match="truncated"):
        outer.first(1).message()


def test_a_value_of_another_wire_type_is_not_a_message() -> None:
    with pytest.raises(ParseError, match="wire type 0"):
        decode(f_varint(1, 3)).first(1).message()
    assert decode(f_varint(1, 3)).first(1).text() is None
    assert decode(f_varint(1, 3)).first(1).number() is None


def test_empty_input_is_an_empty_message() -> None:
    assert decode(b"") == {}


@pytest.mark.parametrize("wire", [3, 4])
def test_groups_are_refused(wire: int) -> None:
    with pytest.raises(ParseError, match="group"):
        decode(tag(1, wire) + f_varint(2, 1))


@pytest.mark.parametrize("wire", [6, 7])
def test_unknown_wire_types_are_refused(wire: int) -> None:
    with pytest.raises(ParseError, match="wire type"):
        decode(tag(1, wire))


def test_field_number_zero_is_refused() -> None:
    with pytest.raises(ParseError, match="field number 0"):
        decode(b"\x00\x01")


def test_an_endless_varint_is_refused() -> None:
    with pytest.raises(ParseError, match="10 bytes"):
        decode(b"\x08" + b"\xff" * 11 + b"\x01")
    with pytest.raises(ParseError, match="64 bits"):
        decode(b"\x08" + b"\xff" * 9 + b"\x7f")


def test_every_truncation_of_a_real_message_is_a_parse_error() -> None:
    data = (
        f_varint(1, 300)
        + f_fixed64(2, b"12345678")
        + f_string(3, "label")
        + f_fixed32(4, b"abcd")
        + f_message(33, f_message(1, f_string(1, "m")))
    )
    decode(data)
    for end in range(1, len(data)):
        if end in _boundaries(data):
            continue
        with pytest.raises(ParseError):
            decode(data[:end])


def _boundaries(data: bytes) -> set[int]:
    """Offsets where a cut falls between two fields (those prefixes are valid messages)."""
    ends, position = set(), 0
    for _field, value in cache.iter_fields(data):
        position += len(_encode_again(_field, value))
        ends.add(position)
    return ends


def _encode_again(field: int, value: cache.ProtoValue) -> bytes:
    if value.wire == 0:
        return f_varint(field, value.raw)  # type: ignore[arg-type]
    if value.wire == 2:
        return f_bytes(field, value.raw)  # type: ignore[arg-type]
    return tag(field, value.wire) + value.raw  # type: ignore[operator]


def _random_inputs() -> list[bytes]:
    """Seeded noise, plus real messages with bytes flipped: both must fail only politely."""
    rng = random.Random(5)
    noise = [rng.randbytes(rng.randrange(1, 120)) for _ in range(1500)]
    flipped = []
    for _ in range(1500):
        data = bytearray(SAMPLE)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        flipped.append(bytes(data))
    return noise + flipped


def test_arbitrary_bytes_decode_or_raise_parse_error_only() -> None:
    for data in _random_inputs():
        try:
            message = decode(data)
        except ParseError:
            continue
        for values in message.values():
            for value in values:
                with contextlib.suppress(ParseError):
                    value.message()
        with contextlib.suppress(ParseError):
            parse_user_status(data)


# =========================================================================== the mapping


def windows(data: bytes) -> list[tuple[str, str, float | None, datetime | None]]:
    return [(w.id, w.label, w.used_percent, w.resets_at) for w in parse_user_status(data).windows]


def test_models_in_every_group_become_windows_in_order() -> None:
    status = parse_user_status(SAMPLE)
    assert status.email == EMAIL
    assert windows(SAMPLE) == [
        (
            "model:claude-sonnet-4.6-thinking",
            "Claude Sonnet 4.6 (Thinking)",
            15.0,
            datetime(2026, 11, 26, 16, 53, 8, tzinfo=UTC),
        ),
        (
            "model:gemini-3.1-pro-high",
            "Gemini 3.1 Pro (High)",
            80.0,
            datetime(2026, 11, 26, 17, 53, 8, tzinfo=UTC),
        ),
    ]
    assert status.windows[0].remaining_percent == 85.0


def test_float32_and_double_fractions() -> None:
    data = user_status(None, [[Model("f32", 0.3), Model("f64", 0.3, double=True)]])
    used = {label: percent for _, label, percent, _ in windows(data)}
    assert used["f32"] == pytest.approx(70.0, abs=1e-4)
    assert used["f64"] == pytest.approx(70.0, abs=1e-9)


def test_a_quota_without_a_fraction_is_exhausted() -> None:
    data = user_status(None, [[Model("Gemini 3 Flash", None, RESET)]])
    [window] = parse_user_status(data).windows
    assert window.used_percent == 100.0 and window.remaining_percent == 0.0
    assert window.resets_at == datetime.fromtimestamp(RESET, tz=UTC)


def test_a_model_without_quota_info_is_skipped() -> None:
    data = user_status(None, [[Model("Tab completion", quota=False), SONNET]])
    assert [label for _, label, _, _ in windows(data)] == ["Claude Sonnet 4.6 (Thinking)"]


def test_a_group_of_models_without_quota_info_gives_no_windows() -> None:
    data = user_status(EMAIL, [[Model("Tab completion", quota=False)]])
    assert parse_user_status(data).windows == ()


@pytest.mark.parametrize(("fraction", "used"), [(1.5, 0.0), (-0.25, 100.0), (1.0, 0.0)])
def test_fractions_are_clamped(fraction: float, used: float) -> None:
    [(_, _, percent, _)] = windows(user_status(None, [[Model("m", fraction, double=True)]]))
    assert percent == used


def test_a_nan_fraction_counts_as_none_left() -> None:
    [(_, _, percent, _)] = windows(user_status(None, [[Model("m", float("nan"), double=True)]]))
    assert percent == 100.0


def test_timestamp_nanos_and_missing_or_zero_resets() -> None:
    data = user_status(
        None,
        [
            [
                Model("nanos", 0.5, RESET, reset_nanos=500_000_000),
                Model("none", 0.5),
                Model("zero", 0.5, 0),
            ]
        ],
    )
    resets = {label: reset for _, label, _, reset in windows(data)}
    assert resets["nanos"] == datetime.fromtimestamp(RESET + 0.5, tz=UTC)
    assert resets["none"] is None
    assert resets["zero"] is None


def test_unknown_fields_everywhere_are_ignored() -> None:
    data = user_status(EMAIL, [[SONNET]], extra=f_double(40, 1.0) + f_fixed32(41, b"\0\0\0\0"))
    assert len(parse_user_status(data).windows) == 1


def test_a_message_with_none_of_the_known_fields_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected fields"):
        parse_user_status(f_string(3, "something else") + f_varint(5, 1))


def test_a_corrupt_group_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="truncated"):
        parse_user_status(f_string(7, EMAIL) + f_bytes(33, b"\x0a\x09short"))


def test_window_ids_are_readable_and_unique() -> None:
    assert window_id("Claude Sonnet 4.6 (Thinking)") == "model:claude-sonnet-4.6-thinking"
    assert window_id("GPT-OSS 120B (Medium)") == "model:gpt-oss-120b-medium"
    assert window_id("  ") == "model:unnamed"
    data = user_status(None, [[Model("Same", 0.1)], [Model("same", 0.2), Model("Same", 0.3)]])
    assert [w for w, _, _, _ in windows(data)] == ["model:same", "model:same-2", "model:same-3"]


# =========================================================================== the stored JSON


def test_auth_status_as_text_or_bytes() -> None:
    value = auth_json(SAMPLE, email=EMAIL, api_key=CANARY)
    for stored in (value, value.encode(), b"\xef\xbb\xbf" + value.encode()):
        data, status = parse_auth_status(stored)
        assert data["email"] == EMAIL and status is not None and len(status.windows) == 2


def test_url_safe_and_unpadded_base64_are_accepted() -> None:
    import base64

    encoded = base64.urlsafe_b64encode(SAMPLE).decode().rstrip("=")
    _, status = parse_auth_status(json.dumps({"userStatusProtoBinaryBase64": encoded}))
    assert status is not None and status.email == EMAIL


def test_no_user_status_yet() -> None:
    data, status = parse_auth_status(auth_json(None, email=EMAIL))
    assert status is None and data["email"] == EMAIL


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (42, "not text"),
        (json.dumps({"userStatusProtoBinaryBase64": "@@not base64@@"}), "base64"),
        (json.dumps({"userStatusProtoBinaryBase64": "abcde"}), "base64"),
    ],
)
def test_broken_stored_values_are_parse_errors(stored: Any, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_auth_status(stored)


# =========================================================================== reading the file


def test_happy_path_text_value(tmp_path: Path) -> None:
    path = aged(write_state(tmp_path / "state.vscdb", auth_json(SAMPLE, email=EMAIL)), 12 * 60)
    quota = fetch(path)
    assert quota.plan is None
    assert [w.id for w in quota.windows] == [
        "model:claude-sonnet-4.6-thinking",
        "model:gemini-3.1-pro-high",
    ]
    details = dict(quota.details)
    assert details["Cached by the editor"] == "file modified 12m ago, at 11:48"
    assert "only as fresh as the editor's last sync" in details["Source"]
    assert details["Signed in as"] == EMAIL


def test_happy_path_blob_value(tmp_path: Path) -> None:
    value = auth_json(SAMPLE, email=EMAIL).encode()
    path = write_state(tmp_path / "state.vscdb", value)
    assert [w.used_percent for w in fetch(path).windows] == [15.0, 80.0]


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (20, "file modified just now, at 11:59"),
        (3 * 3600 + 5 * 60, "file modified 3h 5m ago, at 08:55"),
        (2 * 3600, "file modified 2h ago, at 10:00"),
        (3 * 86400 + 2 * 3600, "file modified 3d 2h ago, on 2026-11-19 10:00"),
        (-3600, "file modified at 13:00"),
    ],
)
def test_the_cache_age_in_words(tmp_path: Path, age: float, text: str) -> None:
    path = aged(write_state(tmp_path / "state.vscdb", auth_json(SAMPLE)), age)
    assert dict(fetch(path).details)["Cached by the editor"] == text


def test_a_newer_write_ahead_log_counts_as_the_last_write(tmp_path: Path) -> None:
    path = aged(write_state(tmp_path / "state.vscdb", auth_json(SAMPLE)), 3600)
    (tmp_path / "state.vscdb-wal").write_bytes(b"")
    aged(tmp_path / "state.vscdb-wal", 60)
    assert dict(fetch(path).details)["Cached by the editor"].startswith("file modified 1m ago")


def test_the_email_detail_falls_back_to_the_json(tmp_path: Path) -> None:
    proto = user_status(None, [[SONNET]])
    path = write_state(tmp_path / "state.vscdb", auth_json(proto, email="json@example.com"))
    assert dict(fetch(path).details)["Signed in as"] == "json@example.com"


def test_missing_table(tmp_path: Path) -> None:
    path = write_state(tmp_path / "state.vscdb", None, table=False)
    error = fetch_error(path)
    assert error.status is Status.ERROR
    assert "No Antigravity sign-in in" in error.message and "sign in" in error.message


def test_an_empty_file_is_an_empty_database_without_the_table(tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    path.write_bytes(b"")
    assert "no ItemTable" in fetch_error(path).message


def test_missing_key(tmp_path: Path) -> None:
    path = write_state(tmp_path / "state.vscdb", None)
    error = fetch_error(path)
    assert error.status is Status.AUTH_EXPIRED
    assert error.message == f"No Antigravity sign-in in {path}: open Antigravity and sign in"


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    path.write_bytes(b"this is not an SQLite file at all " * 200)
    error = fetch_error(path)
    assert error.status is Status.BAD_RESPONSE
    assert "not a readable SQLite database" in error.message


def test_the_file_vanished_since_discovery(tmp_path: Path) -> None:
    error = fetch_error(tmp_path / "gone.vscdb")
    assert error.status is Status.ERROR and "no longer exists" in error.message


def test_a_folder_where_the_file_should_be(tmp_path: Path) -> None:
    (tmp_path / "state.vscdb").mkdir()
    assert "not a file" in fetch_error(tmp_path / "state.vscdb").message


def test_no_user_status_in_the_sign_in(tmp_path: Path) -> None:
    path = write_state(tmp_path / "state.vscdb", auth_json(None, email=EMAIL))
    error = fetch_error(path)
    assert error.status is Status.ERROR and "holds no quota yet" in error.message


def test_corrupt_base64_is_a_parse_error(tmp_path: Path) -> None:
    value = json.dumps({"email": EMAIL, "userStatusProtoBinaryBase64": "!!!"})
    with pytest.raises(ParseError, match="base64"):
        fetch(write_state(tmp_path / "state.vscdb", value))


def test_corrupt_protobuf_is_a_parse_error(tmp_path: Path) -> None:
    value = auth_json(SAMPLE[:-3], email=EMAIL)
    with pytest.raises(ParseError, match="truncated"):
        fetch(write_state(tmp_path / "state.vscdb", value))


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "READ_TIMEOUT", 0.1)


@pytest.fixture
def exclusive_writer(tmp_path: Path) -> Iterator[Path]:
    """The editor in the middle of a write: an EXCLUSIVE transaction held open."""
    path = write_state(tmp_path / "state.vscdb", auth_json(SAMPLE))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE ItemTable SET value = 'x' WHERE key = 'workbench.colorTheme'")
    try:
        yield path
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.usefixtures("short_timeout")
def test_a_locked_database_says_so_quickly(exclusive_writer: Path) -> None:
    started = time.monotonic()
    error = fetch_error(exclusive_writer)
    assert time.monotonic() - started < 5
    assert error.status is Status.UNREACHABLE
    assert error.message == f"{exclusive_writer} is locked: the editor is writing it; will retry"


def test_reading_while_the_editor_holds_the_file_open(tmp_path: Path) -> None:
    path = write_state(tmp_path / "state.vscdb", auth_json(SAMPLE))
    editor = sqlite3.connect(path, isolation_level=None)
    try:
        editor.execute("BEGIN")
        editor.execute("SELECT * FROM ItemTable").fetchall()  # a shared lock, as a reader
        assert len(fetch(path).windows) == 2
    finally:
        editor.execute("COMMIT")
        editor.close()


def test_reading_a_wal_database_while_the_editor_writes(tmp_path: Path) -> None:
    path = write_state(tmp_path / "state.vscdb", auth_json(SAMPLE))
    editor = sqlite3.connect(path, isolation_level=None)
    try:
        editor.execute("PRAGMA journal_mode=WAL")
        editor.execute("BEGIN IMMEDIATE")
        editor.execute(
            "UPDATE ItemTable SET value = ? WHERE key = 'antigravityAuthStatus'",
            (auth_json(user_status(EMAIL, [[SONNET]])),),
        )
        # The uncommitted write is invisible: the reader sees the last committed cache.
        assert len(fetch(path).windows) == 2
    finally:
        editor.execute("ROLLBACK")
        editor.close()


def test_the_reader_never_writes(tmp_path: Path) -> None:
    path = write_state(tmp_path / "files" / "state.vscdb", auth_json(SAMPLE))
    path.chmod(0o444)
    before = path.read_bytes()
    try:
        fetch(path)
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) == ["state.vscdb"]
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "folder", ["Application Support", "with #hash and ?question", "100% sure", "ünïcode dir"]
)
def test_paths_with_spaces_and_uri_characters(tmp_path: Path, folder: str) -> None:
    base = tmp_path / "files"
    path = write_state(base / folder / "state.vscdb", auth_json(SAMPLE))
    assert len(fetch(path).windows) == 2
    # The URI must name this file, not create a new empty one next to a truncated name.
    assert sorted(p.name for p in base.iterdir()) == [folder]


def test_an_account_without_a_path() -> None:
    account = Account(provider="antigravity", label="local cache", source="x")
    with pytest.raises(FetchError, match="has no file"):
        asyncio.run(cache.fetch(account, NOW))


async def test_fetch_does_not_block_the_event_loop(tmp_path: Path, monkeypatch) -> None:
    path = write_state(tmp_path / "state.vscdb", auth_json(SAMPLE))
    ticks = 0
    real_query = cache._query

    def slow_query(*args: Any) -> Any:
        time.sleep(0.2)
        return real_query(*args)

    monkeypatch.setattr(cache, "_query", slow_query)

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await cache.fetch(account_for(path), NOW)
    task.cancel()
    assert ticks >= 5


# =========================================================================== discovery


def test_discovery_finds_the_linux_file_under_home(home: Path) -> None:
    path = write_state(linux_file(home), auth_json(SAMPLE, email=EMAIL))
    [account] = cache.discover(context(home))
    assert account.provider == "antigravity"
    assert account.label == EMAIL
    assert account.source == "~/.config/Antigravity/User/globalStorage/state.vscdb"
    assert account.extra == {"kind": "cache"}
    assert account.path == path
    assert account.identity == f"cache:{path}"
    assert account.active is False and account.secret is None and account.problem is None


def test_discovery_honours_xdg_config_home(home: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    path = write_state(xdg / "Antigravity/User/globalStorage/state.vscdb", auth_json(SAMPLE))
    [account] = cache.discover(context(home, {"XDG_CONFIG_HOME": str(xdg)}))
    assert account.path == path


def test_the_home_config_file_is_found_when_xdg_config_home_points_elsewhere(
    home: Path, tmp_path: Path
) -> None:
    # PROVIDERS.md §5b names ~/.config: an XDG_CONFIG_HOME set for other tools (or for
    # aiquota-tui's own config.toml) must not hide the editor's file there.
    path = write_state(linux_file(home), auth_json(SAMPLE, email=EMAIL))
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    [account] = cache.discover(context(home, env))
    assert account.path == path and account.label == EMAIL
    xdg_file = write_state(
        tmp_path / "xdg/Antigravity/User/globalStorage/state.vscdb",
        auth_json(SAMPLE, email="xdg@example.com"),
    )
    assert [a.path for a in cache.discover(context(home, env))] == [xdg_file, path]


def test_the_windows_file_under_home_is_found_without_appdata(home: Path) -> None:
    path = write_state(
        home / "AppData/Roaming/Antigravity/User/globalStorage/state.vscdb", auth_json(SAMPLE)
    )
    [account] = cache.discover(context(home))
    assert account.path == path
    assert account.source == "~/AppData/Roaming/Antigravity/User/globalStorage/state.vscdb"
    # With APPDATA naming the same folder, still one account.
    assert len(cache.discover(context(home, {"APPDATA": str(home / "AppData/Roaming")}))) == 1


def test_discovery_finds_the_macos_file(home: Path) -> None:
    path = home / "Library/Application Support/Antigravity/User/globalStorage/state.vscdb"
    write_state(path, auth_json(SAMPLE))
    [account] = cache.discover(context(home))
    assert account.path == path
    assert account.source == (
        "~/Library/Application Support/Antigravity/User/globalStorage/state.vscdb"
    )
    assert len(fetch(path).windows) == 2


def test_discovery_finds_the_windows_file_through_appdata(home: Path, tmp_path: Path) -> None:
    appdata = tmp_path / "AppData" / "Roaming"
    path = write_state(appdata / "Antigravity/User/globalStorage/state.vscdb", auth_json(SAMPLE))
    assert cache.discover(context(home)) == []
    [account] = cache.discover(context(home, {"APPDATA": str(appdata)}))
    assert account.path == path


def test_every_location_found_is_one_account(home: Path, tmp_path: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE, email="a@example.com"))
    write_state(
        home / "Library/Application Support/Antigravity/User/globalStorage/state.vscdb",
        auth_json(None, email="b@example.com"),
    )
    labels = [a.label for a in cache.discover(context(home))]
    assert labels == ["a@example.com", "b@example.com"]


def test_the_same_file_twice_is_one_account(home: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE))
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "APPDATA": str(home / ".config")}
    assert len(cache.discover(context(home, env))) == 1


def test_no_file_no_account(home: Path) -> None:
    assert cache.discover(context(home)) == []


def test_configured_cache_path_replaces_the_search(home: Path, tmp_path: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE))
    custom = write_state(tmp_path / "My Files" / "copy.vscdb", auth_json(SAMPLE))
    [account] = cache.discover(context(home, cache_path=str(custom)))
    assert account.path == custom and account.problem is None


def test_configured_cache_path_may_use_home_or_name_a_folder(home: Path) -> None:
    path = write_state(home / "sync" / "Antigravity/User/globalStorage/state.vscdb", "{}")
    [by_tilde] = cache.discover(
        context(home, cache_path="~/sync/Antigravity/User/globalStorage/state.vscdb")
    )
    [by_folder] = cache.discover(context(home, cache_path="~/sync/Antigravity"))
    [by_inner] = cache.discover(context(home, cache_path="~/sync/Antigravity/User/globalStorage"))
    assert by_tilde.path == by_folder.path == by_inner.path == path


def test_a_configured_path_that_does_not_exist_is_a_problem(home: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE))
    [account] = cache.discover(context(home, cache_path="~/nowhere/state.vscdb"))
    assert account.problem is not None and account.problem.status is Status.ERROR
    assert "~/nowhere/state.vscdb" in account.problem.message
    assert "cache_path" in account.problem.message
    assert fetch_error(account.path).status is Status.ERROR


def test_a_blank_configured_path_is_no_setting(home: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE))
    assert len(cache.discover(context(home, cache_path="  "))) == 1


def test_the_label_falls_back_to_the_proto_email_then_local_cache(home: Path) -> None:
    write_state(linux_file(home), auth_json(SAMPLE))  # no e-mail in the JSON
    assert [a.label for a in cache.discover(context(home))] == [EMAIL]
    write_state(linux_file(home), auth_json(user_status(None, [[SONNET]])))
    assert [a.label for a in cache.discover(context(home))] == ["local cache"]


@pytest.mark.parametrize(
    "breakage",
    ["not a database", "no table", "no key", "bad json", "bad base64", "bad proto"],
)
def test_discovery_never_fails_on_a_broken_file(home: Path, breakage: str) -> None:
    path = linux_file(home)
    if breakage == "not a database":
        path.parent.mkdir(parents=True)
        path.write_bytes(b"garbage" * 500)
    else:
        value = {
            "no table": None,
            "no key": None,
            "bad json": "{oops",
            "bad base64": json.dumps({"userStatusProtoBinaryBase64": "***"}),
            "bad proto": auth_json(b"\x0a\x20short"),
        }[breakage]
        write_state(path, value, table=breakage != "no table")
    [account] = cache.discover(context(home))
    assert account.label == "local cache" and account.problem is None


def test_discovery_of_a_locked_file_does_not_wait(home: Path) -> None:
    path = write_state(linux_file(home), auth_json(SAMPLE, email=EMAIL))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        [account] = cache.discover(context(home))
        assert time.monotonic() - started < 3
        assert account.label == "local cache"
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# =========================================================================== snapshots, secrets


class CacheShim:
    """The smallest provider around the module, so these tests need nothing from google.py."""

    id = "antigravity"
    name = "Antigravity"

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return cache.discover(context)

    def precheck(self, account: Account, now: datetime):
        return account.problem

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await cache.fetch(account, now)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account,)


async def snapshots_of(home: Path, **settings: Any) -> list[AccountSnapshot]:
    shim = CacheShim()
    async with make_client() as client:
        http = HttpSession(client=client, origins={})
        return [
            await fetch_snapshot(shim, account, http, clock=lambda: NOW)
            for account in shim.discover(context(home, **settings))
        ]


def _write_case(path: Path, case: str) -> None:
    good = auth_json(SAMPLE, email=EMAIL, api_key=CANARY)
    if case == "not a database":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'{{"apiKey": "{CANARY}"}}' * 100)
        return
    value: str | None = {
        "ok": good,
        "no key": None,
        "no table": None,
        "bad json": '{"apiKey": "' + CANARY + '", oops',
        "not an object": json.dumps([{"apiKey": CANARY}]),
        "bad base64": json.dumps({"apiKey": CANARY, "userStatusProtoBinaryBase64": CANARY}),
        "bad proto": auth_json(SAMPLE[:-2], api_key=CANARY),
        "unknown proto": auth_json(f_string(3, CANARY), api_key=CANARY),
        "no status": auth_json(None, email=EMAIL, api_key=CANARY),
    }[case]
    write_state(path, value, table=case != "no table")


CASES = [
    ("ok", Status.OK),
    ("no key", Status.AUTH_EXPIRED),
    ("no table", Status.ERROR),
    ("not a database", Status.BAD_RESPONSE),
    ("bad json", Status.BAD_RESPONSE),
    ("not an object", Status.BAD_RESPONSE),
    ("bad base64", Status.BAD_RESPONSE),
    ("bad proto", Status.BAD_RESPONSE),
    ("unknown proto", Status.BAD_RESPONSE),
    ("no status", Status.ERROR),
]


def _assert_no_canary(text: str) -> None:
    assert CANARY not in text
    assert mask(CANARY) not in text  # not even masked: it was never put into words


@pytest.mark.parametrize(("case", "status"), CASES)
async def test_every_outcome_is_a_snapshot_without_the_api_key(
    home: Path, case: str, status: Status
) -> None:
    _write_case(linux_file(home), case)
    [snapshot] = await snapshots_of(home)
    assert snapshot.status is status, snapshot.message
    assert snapshot.provider == "antigravity"
    assert snapshot.source == "~/.config/Antigravity/User/globalStorage/state.vscdb"
    if status is Status.OK:
        assert snapshot.message is None and len(snapshot.windows) == 2
    else:
        assert snapshot.message and "Traceback" not in snapshot.message
        assert "Internal error" not in snapshot.message
    _assert_no_canary(repr(snapshot))
    _assert_no_canary(json_document([snapshot], NOW))


@pytest.mark.usefixtures("short_timeout")
async def test_a_locked_file_is_a_snapshot_without_the_api_key(home: Path) -> None:
    path = write_state(linux_file(home), auth_json(SAMPLE, api_key=CANARY))
    accounts = cache.discover(context(home))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        async with make_client() as client:
            http = HttpSession(client=client, origins={})
            snapshot = await fetch_snapshot(CacheShim(), accounts[0], http, clock=lambda: NOW)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert snapshot.status is Status.UNREACHABLE
    assert "the editor is writing it; will retry" in (snapshot.message or "")
    _assert_no_canary(repr(snapshot))


async def test_a_missing_configured_file_is_a_snapshot(home: Path) -> None:
    [snapshot] = await snapshots_of(home, cache_path="~/missing.vscdb")
    assert snapshot.status is Status.ERROR
    assert snapshot.message == (
        "No Antigravity cache at ~/missing.vscdb: check cache_path in [providers.antigravity]"
    )


def test_the_command_line_shows_the_cache_without_the_api_key(home: Path, capsys) -> None:
    from providers.registry import BY_ID
    from tui.cli import main

    write_state(linux_file(home), auth_json(SAMPLE, email=EMAIL, api_key=CANARY))
    discovered = BY_ID["antigravity"].discover(context(home))
    if not any(a.extra.get("kind") == "cache" for a in discovered):
        pytest.skip(
            "providers/google/provider.py's AntigravityProvider does not delegate to the cache yet"
        )
    code = main(["--once", "--json", "--provider", "antigravity"])
    out, err = capsys.readouterr()
    _assert_no_canary(out + err)
    document = json.loads(out)
    [entry] = [a for a in document["accounts"] if a["source"].endswith("state.vscdb")]
    assert entry["status"] == "ok", entry
    assert entry["account"] == EMAIL
    assert [w["label"] for w in entry["windows"]] == [
        "Claude Sonnet 4.6 (Thinking)",
        "Gemini 3.1 Pro (High)",
    ]
    assert code in (0, 1)


def test_fetched_at_in_the_json_is_when_the_editor_wrote_the_cache(home: Path, capsys) -> None:
    from tui.cli import main

    path = write_state(linux_file(home), auth_json(SAMPLE, email=EMAIL))
    written = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    os.utime(path, (written.timestamp(), written.timestamp()))
    main(["--once", "--json", "--provider", "antigravity"])
    [entry] = json.loads(capsys.readouterr().out)["accounts"]
    assert entry["status"] == "ok"
    assert entry["fetched_at"] == written.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_command_line_with_every_broken_file_never_shows_the_api_key(
    home: Path, capsys
) -> None:
    from providers.registry import BY_ID
    from tui.cli import main

    for case, _ in CASES:
        _write_case(linux_file(home), case)
        if case == "ok" and not any(
            a.extra.get("kind") == "cache" for a in BY_ID["antigravity"].discover(context(home))
        ):
            pytest.skip("providers/google/provider.py's AntigravityProvider does not delegate yet")
        main(["--once", "--json", "--provider", "antigravity"])
        out, err = capsys.readouterr()
        _assert_no_canary(out + err)
        assert "Traceback" not in out + err
        linux_file(home).unlink()


# =========================================================================== the demo


def test_demo_account_reads_its_own_cache_file() -> None:
    [account] = demo_antigravity_cache.accounts(time.time(), 0)
    assert account.provider == "antigravity" and account.extra == {"kind": "cache"}
    assert account.path is not None and account.path.is_file()
    # The file is written once per process, maybe by an earlier test: read it as of its
    # writing, so its age is the demo's, not that plus however long the suite took since.
    now = account.path.stat().st_mtime + demo_antigravity_cache.CACHE_AGE
    quota = asyncio.run(cache.fetch(account, datetime.fromtimestamp(now, tz=UTC)))
    labels = [w.label for w in quota.windows]
    assert "Claude Sonnet 4.6 (Thinking)" in labels and "Tab completion" not in labels
    by_label = {w.label: w for w in quota.windows}
    assert by_label["Gemini 3.1 Pro (Low)"].remaining_percent == 0.0
    assert by_label["Gemini 3 Flash"].remaining_percent == 100.0
    assert by_label["Claude Sonnet 4.6 (Thinking)"].remaining_percent == 85.0
    assert all(
        w.resets_at and w.resets_at > datetime.fromtimestamp(now, tz=UTC) for w in quota.windows
    )
    assert dict(quota.details)["Cached by the editor"].startswith("file modified 7m ago")
    assert demo_antigravity_cache.answer(None, now) is None  # type: ignore[arg-type]


def test_demo_files_are_written_once_and_copies_are_distinct() -> None:
    now = time.time()
    first = demo_antigravity_cache.accounts(now, 0)[0]
    again = demo_antigravity_cache.accounts(now + 60, 0)[0]
    second = demo_antigravity_cache.accounts(now, 1)[0]
    assert first.path == again.path
    assert first.key == again.key
    assert second.key != first.key and second.label != first.label
    assert second.path != first.path
    assert asyncio.run(cache.fetch(second, datetime.fromtimestamp(now, tz=UTC))).windows


def test_the_config_file_cache_path_reaches_discovery(home: Path, tmp_path: Path, capsys) -> None:
    from providers.registry import provider_settings
    from tui.cli import main

    if "cache_path" not in provider_settings().get("antigravity", {}):
        pytest.skip(
            "providers/google/provider.py's AntigravityProvider.settings does not declare cache_path yet"
        )
    custom = write_state(tmp_path / "elsewhere" / "state.vscdb", auth_json(SAMPLE, email=EMAIL))
    write_state(linux_file(home), auth_json(SAMPLE, email="ignored@example.com"))
    config = tmp_path / "config.toml"
    config.write_text(f"[providers.antigravity]\ncache_path = {json.dumps(str(custom))}\n")
    main(["--once", "--json", "--config", str(config), "--provider", "antigravity"])
    out, err = capsys.readouterr()
    caches = [a for a in json.loads(out)["accounts"] if a["source"].endswith(".vscdb")]
    assert [(a["account"], a["status"]) for a in caches] == [(EMAIL, "ok")], err
