"""The `?` screen: every key and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("1–9", "jump to tab N (1 = Overview)"),
    ("tab / shift+tab", "next / previous tab"),
    ("] / [", "next / previous account in a provider tab"),
    ("j / k, ↓ / ↑", "move in lists"),
    ("enter", "open the selected row in its provider tab"),
    ("a", "find an account across every provider"),
    ("r", "refresh the selected account now"),
    ("R", "refresh all (and look for new accounts)"),
    ("s", "change the overview order"),
    ("t", "choose a theme"),
    ("ctrl+p", "command palette: every action"),
    ("?", "this help"),
    ("q", "quit"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        width = max(len(key) for key, _ in KEYS) + 2
        lines = [Content.styled("Keys", "bold $accent"), Content("")]
        lines += [Content.assemble((key.ljust(width), "bold"), what) for key, what in KEYS]
        lines += [
            Content(""),
            Content.styled(
                "Bars show what is left: plenty, low (<50%), critical (<20%), none.",
                "$text-muted",
            ),
            Content.styled("● marks the account a CLI is signed in to now.", "$text-muted"),
            Content.styled("escape closes this help.", "$text-muted"),
        ]
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(Content("\n").join(lines))
