from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from tui import state as state_module
from tui.state import AppState, default_state_path, load_state, save_state

FULL = AppState(theme="aiquota-nord", sort="name", tab="claude", account="claude:work@example.com")


def leftovers(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir() if entry.name != "state.toml")


def test_default_path_is_in_the_users_state_folder(home: Path) -> None:
    path = default_state_path()
    assert path.name == "state.toml"
    assert path.parent.name == "aiquota-tui"
    # The isolated HOME, never the real one.
    assert path.is_relative_to(home)


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "state.toml"
    assert save_state(FULL, path) is None
    assert load_state(path) == FULL
    assert leftovers(path.parent) == []


def test_file_written_is_valid_toml_without_none_fields(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    assert save_state(AppState(theme='we"ird\n name', tab=None), path) is None
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert document == {"theme": 'we"ird\n name'}
    assert load_state(path) == AppState(theme='we"ird\n name')


def test_empty_state_writes_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    assert save_state(AppState(), path) is None
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {}
    assert load_state(path) == AppState()


def test_saving_replaces_the_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    save_state(FULL, path)
    assert save_state(AppState(theme="aiquota-light"), path) is None
    assert load_state(path) == AppState(theme="aiquota-light")


def test_state_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "state.toml"
    save_state(FULL, path)
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_failed_replace_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "saved" / "state.toml"
    save_state(FULL, path)
    before = path.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state_module.os, "replace", refuse)
    message = save_state(AppState(theme="other"), path)

    assert message is not None
    assert str(path) in message and "No space left on device" in message
    assert message.endswith(".") and "\n" not in message
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


def test_failed_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "saved" / "state.toml"

    def broken_fsync(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(state_module.os, "fsync", broken_fsync)
    message = save_state(FULL, path)
    assert message is not None and "Input/output error" in message
    assert list(path.parent.iterdir()) == []


def test_unwritable_folder_returns_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    message = save_state(FULL, blocker / "state.toml")
    assert message is not None and str(blocker / "state.toml") in message
    assert blocker.read_text() == "a file where the folder should be"


def test_missing_file_is_default_state(tmp_path: Path) -> None:
    assert load_state(tmp_path / "nope" / "state.toml") == AppState()


@pytest.mark.parametrize(
    "content",
    [
        b"theme = \n",
        b'theme = "unterminated\n',
        b"\xff\xfe not utf-8",
        b"[[[",
        b"",
    ],
)
def test_corrupt_file_is_default_state(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.toml"
    path.write_bytes(content)
    assert load_state(path) == AppState()


def test_folder_in_place_of_file_is_default_state(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.mkdir()
    assert load_state(path) == AppState()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file_is_default_state(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    save_state(FULL, path)
    path.chmod(0)
    assert load_state(path) == AppState()


def test_wrong_types_are_dropped_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.write_text(
        'theme = "aiquota-dark"\n'
        "sort = 3\n"
        'tab = ["codex"]\n'
        'account = ""\n'
        'unknown = "ignored"\n'
        "[account_table]\n"
        "x = 1\n",
        encoding="utf-8",
    )
    assert load_state(path) == AppState(theme="aiquota-dark")


def test_a_table_where_a_field_belongs_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.write_text('sort = "usage"\n[theme]\nname = "x"\n', encoding="utf-8")
    assert load_state(path) == AppState(sort="usage")


def test_a_state_file_with_a_monstrous_number_gives_defaults(tmp_path) -> None:
    from tui.state import AppState, load_state

    path = tmp_path / "state.toml"
    path.write_text("theme = " + "9" * 5000 + "\n")
    assert load_state(path) == AppState()
