"""The app switches the Codex login by itself when the active account runs low (opt-in)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
from support.app import settle, wait_for
from support.clock import FakeClock
from support.credentials import codex_token, usage_answer, write_codex_auth

from providers.discover import build_sources
from providers.registry import provider_settings, select
from tui.app import QuotaApp
from tui.config import load_config


def used(request: httpx.Request, answers: dict[str, tuple[float, float]]) -> httpx.Response:
    five, week = answers[request.headers.get("chatgpt-account-id", "")]
    return httpx.Response(200, json=usage_answer(five, week))


def live_id(home: Path) -> str:
    return json.loads((home / ".codex/auth.json").read_text())["tokens"]["account_id"]


def saved_token(work: Path, name: str) -> str:
    return json.loads((work / f"account/{name}.auth.json").read_text())["tokens"]["access_token"]


async def test_the_active_account_under_the_line_moves_to_the_most_room(
    tmp_path: Path, home: Path, work: Path
) -> None:
    live_token = codex_token("id-a", marker="newest")  # the CLI rotated it: only auth.json has it
    write_codex_auth(home / ".codex/auth.json", live_token, "id-a")
    for name in ("a", "b", "c"):
        write_codex_auth(
            work / f"account/{name}.auth.json", codex_token(f"id-{name}"), f"id-{name}"
        )
    answers = {"id-a": (95.0, 40.0), "id-b": (30.0, 40.0), "id-c": (10.0, 20.0)}
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        "[providers.codex]\nauto_switch = true\nswitch_below = 10\n"
        "switch_target_min = 30\nswitch_cooldown = 900\n"
    )
    config = load_config(config_file, explicit=True, known_providers=provider_settings())
    transport = httpx.MockTransport(lambda request: used(request, answers))
    sources = replace(build_sources(select(["codex"]), config, use_demo=False), transport=transport)
    clock = FakeClock()
    app = QuotaApp(sources, config, clock=clock, state_path=tmp_path / "state.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        # No token lost: what came out of auth.json (the rotated login) is saved back to
        # a.auth.json a moment after c goes in, so wait for both rather than read between.
        await wait_for(
            pilot, lambda: live_id(home) == "id-c" and saved_token(work, "a") == live_token
        )
        # c runs low at once: within the cooldown, nothing moves again.
        answers["id-c"] = (97.0, 20.0)
        await wait_for(pilot, lambda: not app.workers or all(w.is_finished for w in app.workers))
        clock.advance(120)
        app.action_refresh_all()
        await settle(pilot, app)
        await pilot.pause(0.3)
        assert live_id(home) == "id-c"
    state = json.loads((home / ".local/state/aiquota-tui/auto-switch.json").read_text())
    assert "codex" in state


async def test_none_qualifies_is_said_once_and_nothing_is_written(
    tmp_path: Path, home: Path, work: Path
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("id-a", marker="live"), "id-a")
    for name in ("a", "b"):
        write_codex_auth(
            work / f"account/{name}.auth.json", codex_token(f"id-{name}"), f"id-{name}"
        )
    answers = {"id-a": (95.0, 40.0), "id-b": (80.0, 40.0)}  # b: 20 % left, under 30
    config_file = tmp_path / "config.toml"
    config_file.write_text("[providers.codex]\nauto_switch = true\n")
    config = load_config(config_file, explicit=True, known_providers=provider_settings())
    transport = httpx.MockTransport(lambda request: used(request, answers))
    sources = replace(build_sources(select(["codex"]), config, use_demo=False), transport=transport)
    clock = FakeClock()
    app = QuotaApp(sources, config, clock=clock, state_path=tmp_path / "state.toml")
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kwargs) -> None:
        said.append(message)
        real_notify(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    before = (home / ".codex/auth.json").read_bytes()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        for _ in range(3):
            clock.advance(60)
            app.action_refresh_all()
            await settle(pilot, app)
        await pilot.pause(0.2)
    assert (home / ".codex/auth.json").read_bytes() == before
    assert sum("no saved account has 30% in both windows" in text for text in said) == 1
    assert not (home / ".local/state/aiquota-tui/auto-switch.json").exists()


async def test_the_demo_switches_its_own_sample_files_and_nothing_of_yours(
    tmp_path: Path, home: Path
) -> None:
    from support.app import make_app

    config_file = tmp_path / "config.toml"
    # The demo's active "work" has 62 % in its weekly window; "spark" has 97 and 79.
    config_file.write_text(
        "[providers.codex]\nauto_switch = true\nswitch_below = 70\nswitch_target_min = 75\n"
    )
    config = load_config(config_file, explicit=True, known_providers=provider_settings())
    app, _clock, _ = make_app(tmp_path, config=config)
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kwargs) -> None:
        said.append(message)
        real_notify(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: any("Switched automatically" in text for text in said))
    (switched,) = [text for text in said if "Switched automatically" in text]
    assert switched.startswith("Demo: ") and "'spark'" in switched
    assert not list(home.rglob("*"))  # no ~/.codex, no state, no cache: nothing of yours
