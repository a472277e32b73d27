"""latest.json: written by --once (and the app, serve), merged per account, private, never by --demo."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply, Seen

from tui.cache.store import merge, read_cache, update_cache
from tui.cli import main
from tui.commands.status import main as status_main
from tui.once import dump_document

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def cache_file(home: Path) -> Path:
    return home / ".cache" / "aiquota-tui" / "latest.json"


def entry(name: str, fetched: datetime, status: str = "ok", provider: str = "codex") -> dict:
    return {
        "provider": provider,
        "account": name,
        "source": f"~/{name}",
        "status": status,
        "fetched_at": fetched.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "windows": [] if status != "ok" else [{"id": "five_hour", "remaining_percent": 50}],
    }


def doc(*accounts: dict, at: datetime = NOW) -> dict:
    return {
        "schema": 1,
        "generated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accounts": list(accounts),
    }


def test_once_writes_the_json_document_with_the_refresh_interval(
    home: Path, work: Path, monkeypatch, capsys
) -> None:
    for name in ("a", "b"):
        write_codex_auth(work / f"account/{name}.auth.json", codex_token(name), name)
    with LocalServer(lambda seen: Reply(body=usage_answer(10, 20))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert main(["--once", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    path = cache_file(home)
    written = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert written["accounts"] == printed["accounts"]
    assert written["refresh_interval"] == 300
    assert written["providers"]["codex"]["short"] == "cdx"
    assert "five_hour" in {w["id"] for w in written["accounts"][0]["windows"]}
    # What the status line makes of it, with no network and no credentials.
    assert status_main([], path=path) == 0
    assert capsys.readouterr().out.strip() == "cdx 90·80"


def test_a_later_run_keeps_the_accounts_it_did_not_fetch(
    home: Path, work: Path, monkeypatch, capsys
) -> None:
    write_codex_auth(work / "account/a.auth.json", codex_token("a"), "a")
    with LocalServer(lambda seen: Reply(body=usage_answer(10, 20))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
        (work / "account/a.auth.json").unlink()
        write_codex_auth(work / "account/b.auth.json", codex_token("b"), "b")
        main(["--once", "--json"])
    capsys.readouterr()
    names = [a["account"] for a in json.loads(cache_file(home).read_text())["accounts"]]
    assert sorted(names) == ["a", "b"]


def test_a_failed_fetch_keeps_the_last_good_entry(
    home: Path, work: Path, monkeypatch, capsys
) -> None:
    write_codex_auth(work / "account/a.auth.json", codex_token("a"), "a")
    replies = iter([Reply(body=usage_answer(10, 20)), Reply(status=500, body={})])

    def answer(seen: Seen) -> Reply:
        return next(replies)

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
        main(["--once", "--json"])
    capsys.readouterr()
    (account,) = json.loads(cache_file(home).read_text())["accounts"]
    assert account["status"] == "ok" and account["windows"]


def test_the_demo_never_writes_the_cache(home: Path, capsys) -> None:
    main(["--demo", "--once", "--json"])
    capsys.readouterr()
    assert not cache_file(home).exists()


def test_accounts_unseen_for_a_day_drop_out() -> None:
    old = doc(
        entry("gone", NOW - timedelta(days=1, minutes=1)), entry("recent", NOW - timedelta(hours=5))
    )
    merged = merge(old, doc(entry("new", NOW)), NOW)
    assert [a["account"] for a in merged["accounts"]] == ["new", "recent"]


def test_a_never_good_account_keeps_its_failure() -> None:
    merged = merge(None, doc(entry("x", NOW, status="auth_expired")), NOW)
    assert merged["accounts"][0]["status"] == "auth_expired"


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    start = threading.Barrier(8)

    def write(number: int) -> None:
        start.wait()
        update_cache(path, doc(entry(f"w{number}", NOW)), NOW, dump_document)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    document = read_cache(path)
    assert document is not None
    assert sorted(a["account"] for a in document["accounts"]) == [f"w{n}" for n in range(8)]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_no_secret_reaches_the_cache(home: Path, work: Path, monkeypatch, capsys) -> None:
    token = codex_token("a")
    write_codex_auth(work / "account/a.auth.json", token, "a")
    with LocalServer(
        lambda seen: Reply(status=401, body={"detail": f"bad token {token}"})
    ) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
    capsys.readouterr()
    text = cache_file(home).read_text()
    assert token not in text and token[:24] not in text


def test_an_old_world_readable_file_becomes_private(tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(doc(entry("old", NOW))))
    path.chmod(0o644)
    update_cache(path, doc(entry("new", NOW)), NOW, dump_document)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name("latest.json.lock").stat().st_mode) == 0o600


def test_a_symlink_at_the_cache_path_is_replaced_never_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("not yours")
    path = tmp_path / "latest.json"
    path.symlink_to(elsewhere)
    update_cache(path, doc(entry("a", NOW)), NOW, dump_document)
    assert elsewhere.read_text() == "not yours"
    assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [a["account"] for a in json.loads(path.read_text())["accounts"]] == ["a"]


def test_a_good_entry_older_than_a_day_gives_way_to_the_failure() -> None:
    old = doc(entry("x", NOW - timedelta(days=2)), entry("y", NOW - timedelta(hours=2)))
    fresh = doc(entry("x", NOW, status="auth_expired"), entry("y", NOW, status="auth_expired"))
    merged = {a["account"]: a["status"] for a in merge(old, fresh, NOW)["accounts"]}
    assert merged == {"x": "auth_expired", "y": "ok"}


def test_check_writes_the_cache_too(home: Path, work: Path, monkeypatch, capsys) -> None:
    from tui.commands.check import main as check_main

    write_codex_auth(work / "account/a.auth.json", codex_token("a"), "a")
    with LocalServer(lambda seen: Reply(body=usage_answer(10, 20))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        assert check_main(["--min-left", "5"]) == 0
    capsys.readouterr()
    written = json.loads(cache_file(home).read_text())
    assert [a["account"] for a in written["accounts"]] == ["a"]
    assert stat.S_IMODE(cache_file(home).stat().st_mode) == 0o600


async def test_the_app_writes_the_cache_after_answers(home: Path, work: Path, tmp_path) -> None:
    import httpx
    from support.app import real_app, settle, wait_for

    for name in ("a", "b"):
        write_codex_auth(work / f"account/{name}.auth.json", codex_token(name), name)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(30, 40)))
    app = real_app(tmp_path, "codex", transport)
    path = cache_file(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await wait_for(
            pilot,
            lambda: (
                (document := read_cache(path)) is not None
                and sorted(a["account"] for a in document["accounts"]) == ["a", "b"]
            ),
        )
    written = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert written["refresh_interval"] == app.store.policy.interval
    assert {w["id"] for w in written["accounts"][0]["windows"]} >= {"five_hour", "weekly"}
    assert all(
        w["remaining_percent"] == 70 for a in written["accounts"][:1] for w in a["windows"][:1]
    )


async def test_the_demo_app_never_writes_the_cache(home: Path, tmp_path: Path) -> None:
    from support.app import make_app, settle

    app, _clock, _ = make_app(tmp_path, providers=["codex", "claude"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
    assert not cache_file(home).exists()
    assert not (home / ".cache").exists() or not list((home / ".cache").rglob("latest.json*"))


def test_a_late_timer_write_never_lands_over_a_newer_batch(tmp_path: Path, monkeypatch) -> None:
    import time

    from providers.model import AccountSnapshot, Status, Window
    from tui.cache import sink as sink_module

    monkeypatch.setattr(sink_module, "WRITE_EVERY", 0.05)
    real_update = sink_module.update_cache
    slowed, timer_done = threading.Event(), threading.Event()

    def update(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread() and not slowed.is_set():
            slowed.set()
            time.sleep(0.3)  # the timer's write, caught between its batch and the file
            try:
                return real_update(*args, **kwargs)
            finally:
                timer_done.set()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(sink_module, "update_cache", update)

    def snap(left: float, at: datetime) -> AccountSnapshot:
        window = Window("five_hour", "5h", 100 - left, None, None)
        return AccountSnapshot(
            "codex", "x", "s", False, Status.OK, None, windows=(window,), fetched_at=at, key="x"
        )

    path = tmp_path / "latest.json"
    cache = sink_module.CacheSink(path, 300, throttle=True)
    cache.take([snap(10, NOW)], NOW)  # written at once
    cache.take([snap(20, NOW + timedelta(seconds=1))], NOW)  # for the timer
    assert slowed.wait(5)
    cache.take([snap(30, NOW + timedelta(seconds=2))], NOW)
    cache.close(1.0)
    assert timer_done.wait(5)
    (account,) = json.loads(path.read_text())["accounts"]
    assert account["windows"][0]["remaining_percent"] == 30
