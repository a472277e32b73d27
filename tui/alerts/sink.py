"""The alert sink: every batch of answers (tui.answers) is checked against the alert state, the
state is saved, and only then are the alerts delivered — an alert whose state could not be
saved is not given (the next batch decides it again), so no crossing is ever given twice.

--no-alerts keeps the state current and delivers nothing. --demo keeps its state in memory
(nothing of the user's is written), gives nothing for what is already low at the start (the
demo's sample data would otherwise greet you with alerts), and shows what crosses later as
notices in the app only: no bell, terminal or desktop notification, no hook.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from providers.kit.secrets import scrub
from providers.kit.text import clean_text
from providers.model import AccountSnapshot
from providers.registry import PROVIDERS
from tui.alerts.deliver import Delivery, choose_notify, expand_hook
from tui.alerts.engine import evaluate
from tui.alerts.events import AlertEvent
from tui.alerts.hooks import Runner
from tui.alerts.settings import AlertSettings
from tui.alerts.store import FileStore, MemoryStore
from tui.alerts.terminal import inside_tmux, write_tty
from tui.answers import RunContext, state_dir
from tui.config import Config


class AlertSink:
    is_alert_sink = True  # what tui.alerts.events.alert_sink_of looks for

    def __init__(
        self,
        settings: AlertSettings,
        store: FileStore | MemoryStore,
        delivery: Delivery | None,
        report: Callable[[str], None],
        *,
        first_seen_alerts: bool = True,
    ) -> None:
        self.settings = settings
        self.store = store
        self.delivery = delivery  # None: --no-alerts
        self._report = report
        self.first_seen_alerts = first_seen_alerts
        self._emit_failed = False

    def take(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> None:
        with self.store.locked() as state:
            if state is None:
                return
            events, changed = evaluate(
                state, snapshots, self.settings, now, first_seen_alerts=self.first_seen_alerts
            )
            if changed and not self.store.save(state):
                return
        if self.delivery is not None:
            self.delivery.deliver(events)

    def emit(self, event: AlertEvent) -> None:
        """Deliver an alert decided elsewhere (account_switched). Never raises."""
        if self.delivery is None:
            return
        try:
            self.delivery.deliver([event])
        except Exception as error:
            if not self._emit_failed:
                self._emit_failed = True
                self._report(f"aiquota-tui: an alert was not delivered ({type(error).__name__})")

    def announce(self, event: Mapping[str, Any]) -> None:
        """An event the app or serve tells every sink of (tui.answers.Answers.announce)."""
        if event.get("event") != "account_switched":
            return
        at = event.get("at")
        remaining = event.get("remaining_percent")
        resets_at = event.get("resets_at")
        status = event.get("status")
        self.emit(
            AlertEvent.switched(
                str(event.get("provider")),
                from_account=_text(event.get("from_account")),
                to_account=str(event.get("account")),
                at=at if isinstance(at, datetime) else datetime.now(UTC),
                status=status if isinstance(status, str) else "ok",
                message=_text(event.get("message")),
                remaining_percent=(
                    float(remaining)
                    if isinstance(remaining, int | float) and not isinstance(remaining, bool)
                    else None
                ),
                resets_at=resets_at if isinstance(resets_at, datetime) else None,
            )
        )

    def close(self, timeout: float) -> None:
        if self.delivery is not None and self.delivery.runner is not None:
            self.delivery.runner.close(timeout)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _stderr(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(clean_text(scrub(message), 500), file=sys.stderr)


def reporter(context: RunContext) -> Callable[[str], None]:
    """Problems with alerts: a warning notice in the app, a line on stderr elsewhere."""
    notice = context.notice
    if notice is None:
        return _stderr
    return lambda message: notice(clean_text(scrub(message), 500), "warning")


def hidden_names(config: Config) -> frozenset[str]:
    """Environment variables that hold keys: never passed on to a hook."""
    names = {name for provider in PROVIDERS for name in provider.env_names}
    tables = [*config.providers.values(), *(t for ts in config.instances.values() for t in ts)]
    names.update(t["key_env"] for t in tables if isinstance(t.get("key_env"), str))
    return frozenset(names)


def build_delivery(
    context: RunContext,
    report: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
) -> Delivery:
    settings = context.config.alerts
    if context.demo:
        return Delivery(report, notice=context.notice)
    environ = dict(os.environ if environ is None else environ)
    terminal_notify, notify_send = choose_notify(settings.notify, environ)
    # In the app, Textual's writer: never between two of its own writes.
    terminal = context.terminal if context.mode == "app" else write_tty
    hooks = tuple(expand_hook(argv) for argv in settings.hooks)
    needs_runner = bool(hooks) or notify_send is not None
    return Delivery(
        report,
        notice=context.notice,
        terminal=terminal,
        bell=settings.bell,
        terminal_notify=terminal_notify,
        tmux=inside_tmux(environ),
        notify_send=notify_send,
        hooks=hooks,
        runner=Runner(report) if needs_runner else None,
        environ=environ,
        hidden=hidden_names(context.config),
    )


def build_alert_sink(context: RunContext) -> AlertSink:
    report = reporter(context)
    store = MemoryStore() if context.demo else FileStore(state_dir(), report)
    delivery = build_delivery(context, report) if context.deliver_alerts else None
    return AlertSink(
        context.config.alerts, store, delivery, report, first_seen_alerts=not context.demo
    )
