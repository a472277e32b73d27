"""The database file: created private and versioned, a damaged or foreign one set aside with a
notice (never a traceback), a newer one left alone, an unwritable one reported once."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from support.clock import FROZEN
from support.history_samples import rows, snapshot

from tui.history.query import read_rows
from tui.history.sink import HistorySink
from tui.history.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    HistoryUnavailable,
    default_path,
    open_reader,
)


def _sink(path: Path) -> tuple[HistorySink, list[str]]:
    said: list[str] = []
    return HistorySink(path, said.append), said


def test_the_database_is_in_the_users_state_folder(home: Path) -> None:
    path = default_path()
    assert path.name == "history.sqlite3" and path.parent.name == "aiquota-tui"
    assert path.is_relative_to(home)


def test_a_new_database_is_private_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "history.sqlite3"
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
    assert said == []


def _aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("history.sqlite3.corrupt-*"))


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "foreign"],
)
def test_a_damaged_or_foreign_file_is_set_aside_and_a_new_one_started(
    tmp_path: Path, damage: str, capsys
) -> None:
    path = tmp_path / "history.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 200)
    elif damage == "truncated":
        sink, _ = _sink(path)
        sink.take([snapshot()], FROZEN)
        sink.close(1.0)
        header = path.read_bytes()[:100]
        path.write_bytes(header[:16] + b"\xff" * 84 + b"\x00" * 4000)
    else:
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    original = path.read_bytes()
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    aside = _aside(tmp_path)
    assert len(aside) == 1 and aside[0].name == "history.sqlite3.corrupt-20261122T120000Z"
    assert aside[0].read_bytes() == original  # moved, not rewritten: nothing is lost
    assert len(said) == 1 and "moved it to history.sqlite3.corrupt-" in said[0]
    assert "Traceback" not in said[0] + capsys.readouterr().err
    assert [r[3] for r in rows(path)] == ["five_hour", "weekly"]  # the new one works


def test_a_fifo_in_its_place_is_set_aside_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    os.mkfifo(path)
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    assert stat.S_ISFIFO(_aside(tmp_path)[0].stat().st_mode)
    assert len(said) == 1 and len(rows(path)) == 2


def test_a_database_of_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    sink, _ = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.take([snapshot()], FROZEN)
    assert _aside(tmp_path) == []
    assert said == [
        "aiquota-tui: history is not recorded: the database was written by a newer aiquota-tui"
    ]


def test_a_folder_that_cannot_be_made_is_reported_once_and_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    sink, said = _sink(blocker / "aiquota-tui" / "history.sqlite3")
    for _ in range(3):
        sink.take([snapshot()], FROZEN)
    assert len(said) == 1 and "history is not recorded: cannot create" in said[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_a_read_only_folder_is_reported_once(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        sink, said = _sink(folder / "history.sqlite3")
        sink.take([snapshot()], FROZEN)
        sink.take([snapshot()], FROZEN)
        assert len(said) == 1 and "history is not recorded" in said[0]
    finally:
        folder.chmod(0o700)


def test_a_write_that_fails_later_is_reported_once(tmp_path: Path, monkeypatch) -> None:
    from tui.history.recorder import Recorder

    path = tmp_path / "history.sqlite3"
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Recorder, "record", full)
    sink.take([snapshot()], FROZEN)
    sink.take([snapshot()], FROZEN)
    assert said == [
        f"aiquota-tui: history is not recorded: cannot write {path} (database or disk is full)"
    ]


def test_readers_never_write_and_say_no_history_for_no_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    assert open_reader(path) is None
    assert read_rows(path, 0) == ([], [])
    assert not path.exists()
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(HistoryUnavailable, match="damaged or not a history database"):
        read_rows(path, 0)
    assert path.read_bytes() == b"not a database" * 100  # the reader sets nothing aside


def test_a_reader_says_another_programs_database_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    # Neither mark set but tables in it: not "no history yet" (the writer sets it aside).
    with pytest.raises(HistoryUnavailable, match="not a history database"):
        read_rows(path, 0)
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert read_rows(empty, 0) == ([], [])  # a database created but not yet ours is empty


def test_damage_found_while_writing_sets_the_file_aside_and_the_next_batch_starts_anew(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    path = tmp_path / "history.sqlite3"
    sink, _ = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    data = bytearray(path.read_bytes())
    data[4096:] = b"\x5a" * (len(data) - 4096)  # every page but the first (the schema's)
    path.write_bytes(bytes(data))
    sink, said = _sink(path)
    later = FROZEN + timedelta(minutes=1)
    sink.take([snapshot(later)], later)  # opens (the first page is fine), then meets damage
    sink.take([snapshot(later)], later)
    sink.close(1.0)
    assert len(_aside(tmp_path)) == 1
    assert len(said) == 1 and "was damaged" in said[0]
    assert len(rows(path)) == 2


def test_a_dangling_symlink_in_its_place_makes_a_private_database_at_its_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "elsewhere" / "kept.sqlite3"
    target.parent.mkdir()
    path = tmp_path / "history.sqlite3"
    path.symlink_to(target)
    sink, said = _sink(path)
    sink.take([snapshot()], FROZEN)
    sink.close(1.0)
    # O_EXCL failed on the link and SQLite created the target with the umask's mode.
    assert said == [] and path.is_symlink() and len(rows(target)) == 2
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
