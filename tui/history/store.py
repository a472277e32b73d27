"""Opening history.sqlite3: the schema, WAL, short lock waits, and a damaged file set aside.

One writer at a time is enough (a batch is a few milliseconds of work); readers never wait
for it (WAL). A second process writing waits at most BUSY_MS for the lock and otherwise
skips its batch: losing one sample is better than a stuck refresh. A file that is not a
SQLite database, or one that is not ours, or one SQLite finds damaged, is renamed aside
(history.sqlite3.corrupt-<time>) and a new database is started; nothing here ever raises
past HistoryUnavailable, whose message is one sentence for people.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from providers.kit.files import ReadKind, regular_file

FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 1
# PRAGMA application_id: "aqui". A database of another program is never mistaken for ours.
APPLICATION_ID = 0x61717569
BUSY_MS = 2000
READ_BUSY_MS = 1000
_SIDE_FILES = ("-wal", "-shm", "-journal")

# Times of samples and events (`at`) are Unix milliseconds; resets_at is Unix seconds.
_SCHEMA = """
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('window', 'balance')),
    provider TEXT NOT NULL,
    account_key TEXT NOT NULL,
    account TEXT NOT NULL,
    item TEXT NOT NULL,
    UNIQUE (kind, account_key, item)
);
CREATE TABLE window_samples (
    series INTEGER NOT NULL REFERENCES series (id),
    at INTEGER NOT NULL,
    used_percent REAL NOT NULL,
    resets_at INTEGER,
    window_seconds INTEGER,
    PRIMARY KEY (series, at)
) WITHOUT ROWID;
CREATE TABLE balance_samples (
    series INTEGER NOT NULL REFERENCES series (id),
    at INTEGER NOT NULL,
    amount REAL NOT NULL,
    unit TEXT,
    PRIMARY KEY (series, at)
) WITHOUT ROWID;
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT,
    account TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_time ON events (at);
CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE VIEW window_history AS
    SELECT s.provider, s.account_key, s.account, s.item AS window, w.used_percent,
           datetime(w.resets_at, 'unixepoch') AS resets_at, w.window_seconds,
           datetime(w.at / 1000, 'unixepoch') AS at
    FROM window_samples AS w JOIN series AS s ON s.id = w.series;
CREATE VIEW balance_history AS
    SELECT s.provider, s.account_key, s.account, s.item AS balance, b.amount, b.unit,
           datetime(b.at / 1000, 'unixepoch') AS at
    FROM balance_samples AS b JOIN series AS s ON s.id = b.series;
"""


class HistoryUnavailable(Exception):
    """The database cannot be used this run; str() is one sentence naming the file."""


class HistoryBusy(HistoryUnavailable):
    """Another process held the write lock longer than we wait: try again next batch."""


def is_busy(error: BaseException) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error).lower()


def default_path() -> Path:
    from tui.answers import state_dir  # platformdirs' user_state_dir, in one place

    return state_dir() / FILE_NAME


def is_damage(error: BaseException) -> bool:
    """SQLite says the file is no database, or a damaged one (not: busy, read-only, full)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    # Errors raised before SQLite gave a code (the first read of a foreign file) say it.
    text = str(error).lower()
    return isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error) or type(error).__name__


def set_aside(path: Path, now: datetime) -> Path:
    """Rename the file (and its -wal/-shm) to <name>.corrupt-<time>, never over another one."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while target.exists() or target.is_symlink():
        number += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    os.replace(path, target)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        # The old write-ahead log must not be replayed into the new database.
        with contextlib.suppress(FileNotFoundError):
            os.replace(side, target.with_name(target.name + suffix))
    return target


def _connect(path: Path, busy_ms: int) -> sqlite3.Connection:
    # isolation_level None: transactions are begun by hand (BEGIN IMMEDIATE takes the write
    # lock up front, so two writers never deadlock upgrading from a read).
    connection = sqlite3.connect(
        path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    return connection


def _check_regular(path: Path) -> bool:
    """True when there is a regular file at path, False when there is none; a folder, FIFO or
    device there raises: sqlite would block on a FIFO's open or read."""
    found = regular_file(path, str(path))
    if found.missing:
        return False
    if found.kind is ReadKind.NOT_REGULAR:
        raise _NotOurs(found.reason or "not a file")
    if not found.ok:
        raise HistoryUnavailable(f"history is not recorded: {found.problem}")
    return True


class _NotOurs(Exception):
    """The file at the path is not our database (set it aside)."""


def _prepare(connection: sqlite3.Connection) -> None:
    """Create the schema in a new database, or check that an existing one is ours."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == 0 and application == 0 and tables == 0:
            # One statement at a time: executescript would commit the BEGIN, and a second
            # process starting at the same moment would then create the tables twice.
            for statement in _SCHEMA_STATEMENTS:
                connection.execute(statement)
        elif application != APPLICATION_ID:
            raise _NotOurs("another program's database")
        elif version > SCHEMA_VERSION:
            raise HistoryUnavailable(
                "history is not recorded: the database was written by a newer aiquota-tui"
            )
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise


_SCHEMA_STATEMENTS = (
    *(statement.strip() for statement in _SCHEMA.split(";") if statement.strip()),
    f"PRAGMA user_version = {SCHEMA_VERSION}",
    f"PRAGMA application_id = {APPLICATION_ID}",
)


def open_writer(
    path: Path,
    now: datetime,
    notice: Callable[[str], None],
) -> sqlite3.Connection:
    """The database at path, ready to write; a damaged or foreign file there is set aside
    (`notice` says so) and a new one started. Raises HistoryUnavailable."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise HistoryUnavailable(
            f"history is not recorded: cannot create {path.parent} ({_reason(error)})"
        ) from None
    for attempt in range(2):
        connection: sqlite3.Connection | None = None
        try:
            existed = _check_regular(path)
            if not existed:
                _create_private(path)
            connection = _connect(path, BUSY_MS)
            _prepare(connection)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryUnavailable(
                    f"history is not recorded: {path} cannot use a write-ahead log"
                )
            # In WAL mode NORMAL never corrupts the file; at worst a power cut loses the
            # last batch.
            connection.execute("PRAGMA synchronous = NORMAL")
            return connection
        except HistoryUnavailable:
            _close(connection)
            raise
        except (_NotOurs, sqlite3.DatabaseError) as error:
            _close(connection)
            if isinstance(error, sqlite3.DatabaseError) and is_busy(error):
                raise HistoryBusy(f"{path} is busy") from None
            if isinstance(error, sqlite3.DatabaseError) and not is_damage(error):
                raise HistoryUnavailable(
                    f"history is not recorded: cannot write {path} ({_reason(error)})"
                ) from None
            if attempt:
                break
            try:
                aside = set_aside(path, now)
            except OSError as move_error:
                raise HistoryUnavailable(
                    f"history is not recorded: {path} is damaged and cannot be moved aside "
                    f"({_reason(move_error)})"
                ) from None
            notice(
                f"The history database {path} was damaged or not ours: moved it to "
                f"{aside.name} and started a new one."
            )
        except OSError as error:
            _close(connection)
            raise HistoryUnavailable(
                f"history is not recorded: cannot write {path} ({_reason(error)})"
            ) from None
    raise HistoryUnavailable(f"history is not recorded: {path} cannot be started")


def _create_private(path: Path) -> None:
    """An empty file only its owner may read (SQLite gives its -wal and -shm the same mode).
    Not O_EXCL: on a dangling symlink (a history kept elsewhere by choice) that fails, and
    SQLite then made the file at the link's target with the umask's 0644. Without O_TRUNC a
    file another process created a moment ago is left as it is; O_NONBLOCK makes a FIFO
    swapped in meanwhile an error (ENXIO), never a hang."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    os.close(os.open(path, flags, 0o600))


def _close(connection: sqlite3.Connection | None) -> None:
    if connection is not None:
        with contextlib.suppress(sqlite3.Error):
            connection.close()


def open_reader(path: Path) -> sqlite3.Connection | None:
    """The database at path for reading, or None when there is none (no history yet).
    Never writes, never sets a file aside (the writer does). Raises HistoryUnavailable."""
    if not _reader_can_open(path):
        return None
    uri = path.absolute().as_uri()
    connection: sqlite3.Connection | None = None
    for query in ("?mode=ro", "?immutable=1"):
        # mode=ro needs to create the -shm beside a WAL database; in a folder we may not
        # write, immutable (no locking: nobody can be writing there anyway) still reads it.
        try:
            connection = sqlite3.connect(
                uri + query, uri=True, timeout=READ_BUSY_MS / 1000, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS}")
            application = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            break
        except sqlite3.DatabaseError as error:
            _close(connection)
            connection = None
            if is_damage(error):
                raise HistoryUnavailable(f"{path} is damaged or not a history database") from None
            last = error
    else:
        raise HistoryUnavailable(f"cannot read {path} ({_reason(last)})")
    if version == 0 and application == 0 and tables == 0:
        _close(connection)
        return None  # created, but no schema yet
    # Tables but neither mark: another program's database (the writer sets it aside).
    if application != APPLICATION_ID or version > SCHEMA_VERSION:
        _close(connection)
        raise HistoryUnavailable(f"{path} is not a history database this version can read")
    return connection


def _reader_can_open(path: Path) -> bool:
    found = regular_file(path, str(path))
    if found.missing:
        return False
    if not found.ok:
        raise HistoryUnavailable(f"cannot read the history: {found.problem}")
    return True
