"""Textual's Linux terminal driver, minus its ten wake-ups a second while no key is pressed.

Textual's input thread waits for keys with select(0.1) in a loop: a timeout so it can see its
exit flag, and so an Escape with nothing after it is let go after ESCDELAY. On an idle
dashboard those ten wake-ups a second were about 0.1 % of a core, as much as everything else
the idle app does. This driver's input thread sleeps until a key arrives, the Escape delay
runs out, or the app asks it to stop (a byte on a pipe wakes it); keys are read, parsed and
posted exactly as Textual's own thread does.

It follows Textual 8's LinuxDriver.run_input_thread (textual/drivers/linux_driver.py), which
the snapshot tests' pinned Textual keeps fixed; a parser without the private `_timeout_time`
it reads falls back to Textual's 0.1 s polling.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable

from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

# What Textual's thread waits at most: while an Escape may still be the start of a sequence.
POLL_SECONDS = 0.1


class _WakingEvent(threading.Event):
    """The driver's exit flag; setting it also wakes the input thread's select()."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        self._wake()


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event = _WakingEvent(self._wake)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # the pipe is full (woken already) or closed
            os.write(self._wake_write, b"\0")

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_read, 512):
                pass
        except OSError:  # empty (BlockingIOError) or closed
            pass

    def close(self) -> None:
        super().close()
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _timeout(self, parser: XTermParser) -> float | None:
        """How long select() may sleep: until the parser's Escape delay runs out, or until
        something happens when nothing is pending."""
        if not hasattr(parser, "_timeout_time"):
            return POLL_SECONDS  # not the parser this was written against: poll as Textual does
        deadline = parser._timeout_time
        if deadline is None:
            return None
        return min(POLL_SECONDS, max(0.0, deadline - get_time()))

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's, but blocking while nothing is due)."""
        self._drain_wake()  # a stop before this start (a suspend and resume) left a byte
        selector = selectors.SelectSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        EVENT_READ = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick
        decode = getincrementaldecoder("utf-8")().decode
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            keys = [(key, mask) for key, mask in selector_events if key.fd == fileno]
            if len(keys) < len(selector_events):
                self._drain_wake()
            for index, (_key, mask) in enumerate(keys):
                if mask & EVENT_READ:
                    last = index == len(keys) - 1
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        break  # stdin is piped and ended
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(self._timeout(parser)))
            selector.unregister(fileno)
            process_selector_events(selector.select(POLL_SECONDS), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass
