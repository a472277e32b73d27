"""The alert state file: exactly once across restarts and between processes sharing it, and a
broken file set aside without a traceback."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.alerting import later, settings, snapshot, window

from tui.alerts import store as store_module
from tui.alerts.deliver import Delivery
from tui.alerts.engine import AccountMark, AlertState, WindowMark
from tui.alerts.events import AlertEvent
from tui.alerts.sink import AlertSink
from tui.alerts.store import FileStore, _dumps, _parse


class Recorder:
    def __init__(self) -> None:
        self.events: list[AlertEvent] = []
        self.reports: list[str] = []

    def delivery(self) -> Delivery:
        delivery = Delivery(self.reports.append)
        delivery.deliver = self.events.extend  # type: ignore[method-assign]
        return delivery

    @property
    def fired(self) -> list[tuple[str, str | None, float | None]]:
        return [(e.event, e.account, e.threshold) for e in self.events]


def sink(folder: Path, recorder: Recorder, **rules) -> AlertSink:
    """A new process's sink: nothing in memory, only what the folder holds."""
    return AlertSink(
        settings(**rules),
        FileStore(folder, recorder.reports.append),
        recorder.delivery(),
        recorder.reports.append,
    )


def test_a_restart_never_repeats_an_alert_and_never_misses_one(tmp_path: Path) -> None:
    recorder = Recorder()
    sink(tmp_path, recorder).take([snapshot(window(left=40))], later(0))
    assert recorder.fired == [("quota_low", "work", 50)]
    sink(tmp_path, recorder).take([snapshot(window(left=39), at=later(1))], later(1))
    assert len(recorder.events) == 1  # the same crossing, after a restart: not again
    # It fell below 20 % while nothing ran; the next run, whichever, tells.
    sink(tmp_path, recorder).take([snapshot(window(left=15), at=later(60))], later(60))
    assert recorder.fired[-1] == ("quota_low", "work", 20)
    sink(tmp_path, recorder).take([snapshot(window(left=90), at=later(300))], later(300))
    sink(tmp_path, recorder).take([snapshot(window(left=45), at=later(301))], later(301))
    assert recorder.fired[2:] == [("quota_low", "work", 50)]  # re-armed by the rise


def test_an_app_and_a_cron_run_sharing_the_file_fire_each_crossing_once(tmp_path: Path) -> None:
    app, cron = Recorder(), Recorder()
    app_sink = sink(tmp_path, app)  # the app keeps its sink (and cache) for its whole life
    lefts = [60, 55, 45, 44, 30, 19, 18, 0, 0]
    for minute, left in enumerate(lefts):
        seen = snapshot(window(left=left), at=later(minute))
        if minute % 2:
            sink(tmp_path, cron).take([seen], later(minute))  # each cron run a new process
        else:
            app_sink.take([seen], later(minute))
    fired = sorted(app.fired + cron.fired, key=lambda f: -(f[2] or 0))
    assert fired == [
        ("quota_low", "work", 50),
        ("quota_low", "work", 20),
        ("quota_depleted", "work", 0),
    ]


def test_an_older_answer_written_later_does_not_re_arm(tmp_path: Path) -> None:
    """The app fetched first, the cron run later; the cron run saved first."""
    app, cron = Recorder(), Recorder()
    app_sink = sink(tmp_path, app)
    app_sink.take([snapshot(window(left=60), at=later(0))], later(0))
    sink(tmp_path, cron).take([snapshot(window(left=45), at=later(5))], later(5))
    app_sink.take([snapshot(window(left=55), at=later(4))], later(6))  # older than the file's
    app_sink.take([snapshot(window(left=44), at=later(7))], later(7))
    assert app.fired + cron.fired == [("quota_low", "work", 50)]


def test_the_file_holds_no_secret_and_names_the_account_key(tmp_path: Path) -> None:
    recorder = Recorder()
    sink(tmp_path, recorder).take([snapshot(window(left=40))], later(0))
    text = (tmp_path / "alerts.toml").read_text()
    assert '"codex/acc-work/work"' in text and "five_hour" in text
    assert (tmp_path / "alerts.toml").stat().st_mode & 0o077 == 0  # the user's alone


@pytest.mark.parametrize(
    "content",
    [b"not toml = = =", b"\xff\xfe", b"version = 99\n", b"[windows]\nx = 1\n" * 1, b"a" * 10],
)
def test_a_broken_state_file_is_set_aside_and_the_state_starts_fresh(
    tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "alerts.toml").write_bytes(content)
    recorder = Recorder()
    alerts = sink(tmp_path, recorder)
    alerts.take([snapshot(window(left=40))], later(0))
    alerts.take([snapshot(window(left=40), at=later(1))], later(1))
    assert recorder.fired == [("quota_low", "work", 50)]
    assert (tmp_path / "alerts.toml.corrupt").read_bytes() == content
    assert len(recorder.reports) == 1 and "set aside" not in recorder.reports[0]
    assert "alerts.toml.corrupt" in recorder.reports[0] and "starting fresh" in recorder.reports[0]


def test_a_bad_entry_is_forgotten_and_the_good_ones_kept(tmp_path: Path) -> None:
    recorder = Recorder()
    sink(tmp_path, recorder).take(
        [snapshot(window(left=40)), snapshot(window(left=40), account="side")], later(0)
    )
    path = tmp_path / "alerts.toml"
    text = path.read_text()
    path.write_text(text.replace("= [40.0,", '= ["x",', 1))
    sink(tmp_path, recorder).take(
        [
            snapshot(window(left=40), account="side", at=later(1)),
            snapshot(window(left=40), at=later(1)),
        ],
        later(1),
    )
    assert len(recorder.events) == 3  # the forgotten one is first seen again, once
    assert recorder.reports == []


def test_a_state_that_cannot_be_saved_gives_no_alert_and_the_next_batch_does(
    tmp_path: Path, monkeypatch
) -> None:
    recorder = Recorder()
    alerts = sink(tmp_path, recorder)
    alerts.take([snapshot(window(left=70))], later(0))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(store_module.tempfile, "mkstemp", full_disk)
        alerts.take([snapshot(window(left=40), at=later(1))], later(1))
        alerts.take([snapshot(window(left=40), at=later(2))], later(2))
    assert recorder.events == []
    assert len(recorder.reports) == 1 and "No space left on device" in recorder.reports[0]
    alerts.take([snapshot(window(left=40), at=later(3))], later(3))
    assert recorder.fired == [("quota_low", "work", 50)]


def test_a_lock_held_too_long_skips_the_batch_and_loses_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(store_module, "LOCK_WAIT", 0.1)
    recorder = Recorder()
    alerts = sink(tmp_path, recorder)
    alerts.take([snapshot(window(left=70))], later(0))
    other = os.open(tmp_path / "alerts.lock", os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)  # another process in the middle of its write
    try:
        alerts.take([snapshot(window(left=40), at=later(1))], later(1))
        assert recorder.events == [] and len(recorder.reports) == 1
    finally:
        os.close(other)
    alerts.take([snapshot(window(left=39), at=later(2))], later(2))
    assert recorder.fired == [("quota_low", "work", 50)]


def test_a_folder_in_the_files_place_is_set_aside_too(tmp_path: Path) -> None:
    (tmp_path / "alerts.toml").mkdir()
    recorder = Recorder()
    sink(tmp_path, recorder).take([snapshot(window(left=40))], later(0))
    assert recorder.fired == [("quota_low", "work", 50)]
    assert (tmp_path / "alerts.toml").is_file() and (tmp_path / "alerts.toml.corrupt").is_dir()
    # One sentence that reads: the file reader's own ("… is a folder, not a file"), not
    # "… was is a folder, not a file".
    assert len(recorder.reports) == 1 and " was is " not in recorder.reports[0]
    assert (
        "alerts.toml is a folder, not a file; moved to alerts.toml.corrupt" in recorder.reports[0]
    )


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(
    windows=st.dictionaries(
        st.tuples(names, names, names),
        st.tuples(
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
            moments,
            st.none() | moments,
            st.none() | moments,
        ),
        max_size=8,
    ),
    accounts=st.dictionaries(
        st.tuples(names, names), st.tuples(st.none() | names.filter(bool), moments), max_size=8
    ),
)
def test_the_file_reads_back_as_it_was_written_whatever_the_names(windows, accounts) -> None:
    """Account keys come from files and servers: quotes, backslashes, controls, any script."""
    state = AlertState(
        windows={key: WindowMark(*value) for key, value in windows.items()},
        accounts={key: AccountMark(*value) for key, value in accounts.items()},
    )
    assert _parse(_dumps(state)) == state
