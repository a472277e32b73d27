"""How an alert reaches a person: notices, the bell, OSC 777 / OSC 9 (through tmux), the
desktop; the hook contract's numbers and names; nothing outside can inject an escape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.alerting import T0

from tui.alerts.deliver import SHOWN_PER_BATCH, Delivery, choose_notify
from tui.alerts.events import AlertEvent, alert_sink_of, plain_number
from tui.alerts.hooks import Job
from tui.alerts.terminal import NoTerminal, notification, osc_9, osc_777, tmux_passthrough
from tui.alerts.text import body
from tui.answers import Answers, RunContext, build_answers
from tui.config import Config

ESC = "\x1b"
BEL = "\a"


def low(account: str = "work", left: float = 18.0) -> AlertEvent:
    return AlertEvent(
        "quota_low",
        "codex",
        account,
        T0,
        window="five_hour",
        remaining_percent=left,
        threshold=20,
        resets_at=T0 + timedelta(hours=2, minutes=13),
        status="ok",
        window_label="5h",
    )


def test_osc_777_and_osc_9_bytes() -> None:
    assert osc_777("Codex quota low", "work: 18% left") == (
        f"{ESC}]777;notify;Codex quota low;work: 18% left{BEL}"
    )
    assert (
        osc_9("Codex quota low", "work: 18% left")
        == f"{ESC}]9;Codex quota low: work: 18% left{BEL}"
    )
    assert notification("T", "B", tmux=False) == f"{ESC}]777;notify;T;B{BEL}{ESC}]9;T: B{BEL}"


def test_tmux_passthrough_doubles_every_escape_and_ends_with_st() -> None:
    assert tmux_passthrough(f"{ESC}]9;hi{BEL}") == f"{ESC}Ptmux;{ESC}{ESC}]9;hi{BEL}{ESC}\\"
    assert notification("T", "B", tmux=True) == (
        f"{ESC}Ptmux;{ESC}{ESC}]777;notify;T;B{BEL}{ESC}\\{ESC}Ptmux;{ESC}{ESC}]9;T: B{BEL}{ESC}\\"
    )


@pytest.mark.parametrize("hostile", [f"x{ESC}]52;c;ZXZpbA=={BEL}y", f"x{BEL}y", "x\x9cy", "a;b\nc"])
def test_outside_text_cannot_end_or_extend_the_sequence(hostile: str) -> None:
    out = notification(hostile, hostile, tmux=False)
    # Exactly the two sequences' own introducers and terminators, nothing from the name.
    assert out.count(ESC) == 2 and out.count(BEL) == 2 and "\x9c" not in out
    # 777;notify;title;body and 9;text — a `;` in a name cannot add a field
    assert out.count(";") == 4
    assert "\n" not in out


def tty_delivery(**kwargs) -> tuple[Delivery, list[str], list[str]]:
    written: list[str] = []
    reports: list[str] = []
    delivery = Delivery(reports.append, terminal=written.append, **kwargs)
    return delivery, written, reports


def test_bell_and_terminal_notification_go_to_the_terminal_writer() -> None:
    delivery, written, reports = tty_delivery(bell=True, terminal_notify=True, tmux=False)
    delivery.deliver([low()])
    (out,) = written
    assert out.startswith(BEL)
    assert (
        f"{ESC}]777;notify;Codex quota low;work · 5h: 18% left (below 20%), resets in 2h 13m{BEL}"
        in out
    )
    assert reports == []


def test_inside_tmux_the_notifications_are_wrapped_and_the_bell_is_not() -> None:
    delivery, written, _ = tty_delivery(bell=True, terminal_notify=True, tmux=True)
    delivery.deliver([low()])
    (out,) = written
    assert out.startswith(BEL + f"{ESC}Ptmux;{ESC}{ESC}]777;notify;")
    assert out.endswith(f"{BEL}{ESC}\\")


def test_an_account_name_with_escapes_injects_nothing() -> None:
    delivery, written, _ = tty_delivery(bell=False, terminal_notify=True, tmux=True)
    delivery.deliver([low(account=f"evil{ESC}]0;pwned{BEL}{ESC}[2J")])
    (out,) = written
    inner = out.replace(f"{ESC}Ptmux;", "").replace(f"{ESC}\\", "").replace(ESC + ESC, ESC)
    assert inner.count(ESC) == 2 and inner.count(BEL) == 2
    assert "pwned" in inner  # the text stays, harmless


def test_bell_alone_and_nothing_when_both_are_off() -> None:
    delivery, written, _ = tty_delivery(bell=True, terminal_notify=False)
    delivery.deliver([low(), low("side")])
    assert written == [BEL]  # one ring for the batch
    delivery, written, _ = tty_delivery(bell=False, terminal_notify=False)
    delivery.deliver([low()])
    assert written == []


def test_no_terminal_is_skipped_without_a_word_and_a_failing_one_is_said_once() -> None:
    def none(text: str) -> None:
        raise NoTerminal

    reports: list[str] = []
    Delivery(reports.append, terminal=none, bell=True).deliver([low()])
    assert reports == []

    def stuck(text: str) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    delivery = Delivery(reports.append, terminal=stuck, bell=True, terminal_notify=True)
    delivery.deliver([low()])
    delivery.deliver([low()])
    assert len(reports) == 1 and "Resource temporarily unavailable" in reports[0]


def test_notices_show_a_few_alerts_and_count_the_rest() -> None:
    notices: list[tuple[str, str]] = []
    delivery = Delivery(
        lambda m: None, notice=lambda text, severity: notices.append((text, severity))
    )
    delivery.deliver([low(f"a{n}") for n in range(SHOWN_PER_BATCH + 4)])
    assert len(notices) == SHOWN_PER_BATCH + 1
    assert notices[0] == (
        "Codex quota low: a0 · 5h: 18% left (below 20%), resets in 2h 13m",
        "warning",
    )
    assert notices[-1][0].endswith("and 4 more alerts")


def test_a_notice_that_fails_does_not_stop_the_terminal() -> None:
    def broken(text: str, severity: str) -> None:
        raise RuntimeError("app gone")

    reports: list[str] = []
    written: list[str] = []
    Delivery(reports.append, notice=broken, terminal=written.append, bell=True).deliver([low()])
    assert written == [BEL] and len(reports) == 1


class FakeRunner:
    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def submit(self, job: Job) -> None:
        self.jobs.append(job)


def test_desktop_notifications_run_notify_send_without_a_shell() -> None:
    runner = FakeRunner()
    delivery = Delivery(lambda m: None, notify_send="/usr/bin/notify-send", runner=runner)  # type: ignore[arg-type]
    delivery.deliver([low(account="-rf work")])
    (job,) = runner.jobs
    assert job.argv[:3] == ("/usr/bin/notify-send", "--app-name=aiquota-tui", "--urgency=normal")
    assert job.argv[3] == "--"  # a name starting with "-" is never an option
    assert job.argv[4:] == (
        "Codex quota low",
        "-rf work · 5h: 18% left (below 20%), resets in 2h 13m",
    )


def test_desktop_without_notify_send_is_said_once_and_breaks_nothing() -> None:
    runner = FakeRunner()
    reports: list[str] = []
    written: list[str] = []
    delivery = Delivery(
        reports.append, notify_send="", runner=runner, terminal=written.append, bell=True
    )  # type: ignore[arg-type]
    delivery.deliver([low()])
    delivery.deliver([low()])
    assert runner.jobs == [] and written == [BEL, BEL]
    assert len(reports) == 1 and "notify-send was not found" in reports[0]


@pytest.mark.parametrize(
    ("notify", "environ", "installed", "expected"),
    [
        ("auto", {"DISPLAY": ":0"}, True, (False, "/usr/bin/notify-send")),
        ("auto", {"WAYLAND_DISPLAY": "wayland-0"}, True, (False, "/usr/bin/notify-send")),
        ("auto", {}, True, (True, None)),  # over SSH: the terminal
        ("auto", {"DISPLAY": ":0"}, False, (True, None)),
        ("terminal", {"DISPLAY": ":0"}, True, (True, None)),
        ("desktop", {}, True, (False, "/usr/bin/notify-send")),
        ("desktop", {"DISPLAY": ":0"}, False, (False, "")),
        ("off", {"DISPLAY": ":0"}, True, (False, None)),
    ],
)
def test_which_way_notify_picks(notify, environ, installed, expected) -> None:
    def which(name: str) -> str | None:
        return f"/usr/bin/{name}" if installed else None

    assert choose_notify(notify, environ, which) == expected


def test_hook_numbers_are_plain_decimals() -> None:
    assert [plain_number(v) for v in (18.25, 18.26, 20.0, 0.0, -0.0, 99.96, None)] == [
        18.2,
        18.3,
        20,
        0,
        0,
        100,
        None,
    ]
    assert plain_number(float("nan")) is None


def test_the_environment_matches_the_payload_with_empty_strings() -> None:
    event = AlertEvent("account_problem", "codex", "old", T0, status="auth_expired")
    assert event.environment() == {
        "AIQUOTA_EVENT": "account_problem",
        "AIQUOTA_PROVIDER": "codex",
        "AIQUOTA_ACCOUNT": "old",
        "AIQUOTA_WINDOW": "",
        "AIQUOTA_REMAINING_PERCENT": "",
        "AIQUOTA_THRESHOLD": "",
        "AIQUOTA_RESETS_AT": "",
        "AIQUOTA_STATUS": "auth_expired",
        "AIQUOTA_AT": "2026-11-22T12:00:00Z",
    }
    assert "from_account" not in event.payload()


def test_a_switch_names_both_accounts() -> None:
    event = AlertEvent.switched("codex", from_account="work", to_account="side", at=T0)
    payload = event.payload()
    assert (payload["event"], payload["account"], payload["from_account"]) == (
        "account_switched",
        "side",
        "work",
    )
    assert event.environment()["AIQUOTA_FROM_ACCOUNT"] == "work"


def test_event_text_is_cleaned_wherever_it_was_built() -> None:
    event = AlertEvent("quota_low", "codex", f"a{ESC}[31mb\x00", T0, window=f"w{BEL}")
    assert ESC not in event.account and "\x00" not in event.account and BEL not in event.window


def test_the_alert_sink_is_found_among_the_answers(tmp_path) -> None:
    answers = build_answers(RunContext(Config(), "once", demo=True), report=lambda m: None)
    sink = alert_sink_of(answers)
    assert sink is not None
    assert alert_sink_of(Answers()) is None


def test_emit_delivers_a_switch_and_obeys_no_alerts() -> None:
    notices: list[str] = []
    context = RunContext(Config(), "app", demo=True, notice=lambda text, _: notices.append(text))
    sink = alert_sink_of(build_answers(context))
    assert sink is not None
    sink.emit(AlertEvent.switched("codex", from_account="work", to_account="side", at=T0))
    assert notices == ["Codex account switched: now side, was work"]
    quiet = RunContext(
        Config(), "app", demo=True, deliver_alerts=False, notice=lambda t, _: notices.append(t)
    )
    sink = alert_sink_of(build_answers(quiet))
    assert sink is not None
    sink.emit(AlertEvent.switched("codex", from_account="work", to_account="side", at=T0))
    assert len(notices) == 1


@pytest.mark.parametrize(
    ("left", "threshold", "said"),
    [(18.0, 20, "18% left (below 20%)"), (19.6, 20, "19.6% left (below 20%)"),
     (19.96, 20, "19.9% left (below 20%)"), (50.2, 50.5, "50% left (below 50.5%)")],
)  # fmt: skip
def test_what_is_left_never_reads_as_the_threshold(left, threshold, said) -> None:
    event = AlertEvent(
        "quota_low", "codex", "w", T0, window="x", remaining_percent=left, threshold=threshold
    )
    assert said in body(event)


def test_an_automatic_switch_tells_hooks_what_the_new_account_has_left() -> None:
    # The switcher's event carries the target's headroom and weekly reset; the hook's
    # AIQUOTA_REMAINING_PERCENT / AIQUOTA_RESETS_AT must not come out empty on the way.
    delivered: list[AlertEvent] = []

    class Catch:
        runner = None

        def deliver(self, events) -> None:
            delivered.extend(events)

    sink = alert_sink_of(build_answers(RunContext(Config(), "once", demo=True)))
    assert sink is not None
    sink.delivery = Catch()  # type: ignore[attr-defined]
    reset = T0 + timedelta(days=3)
    sink.announce(  # type: ignore[attr-defined]
        {
            "event": "account_switched",
            "provider": "codex",
            "account": "side",
            "from_account": "work",
            "window": None,
            "remaining_percent": 80.0,
            "threshold": None,
            "resets_at": reset,
            "status": "ok",
            "at": T0,
            "message": "'work' is down to 5% left",
        }
    )
    environment = delivered[0].environment()
    assert environment["AIQUOTA_REMAINING_PERCENT"] == "80"
    assert environment["AIQUOTA_RESETS_AT"] == "2026-11-25T12:00:00Z"
    assert environment["AIQUOTA_FROM_ACCOUNT"] == "work"
    assert delivered[0].payload()["remaining_percent"] == 80


@pytest.mark.parametrize(
    ("event", "left", "threshold", "shown"),
    [("quota_low", 19.96, 20, 19.9), ("quota_low", 19.94, 20, 19.9), ("quota_low", 18.0, 20, 18),
     ("quota_low", 0.04, 20, 0.1), ("quota_restored", 0.04, None, 0.1),
     ("quota_depleted", 0.0, 0, 0), ("quota_restored", 99.96, None, 100)],
)  # fmt: skip
def test_a_hooks_remaining_percent_never_contradicts_its_event(
    event: str, left: float, threshold: float | None, shown: float
) -> None:
    alert = AlertEvent(
        event, "codex", "w", T0, window="five_hour", remaining_percent=left, threshold=threshold
    )
    assert alert.payload()["remaining_percent"] == shown
    assert alert.environment()["AIQUOTA_REMAINING_PERCENT"] == str(shown)
