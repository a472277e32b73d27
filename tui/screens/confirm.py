"""A yes/no question before anything is written."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static


class Confirm(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Switch") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes
        # The footer names the yes key by the button's word ('y Switch', not 'y Yes').
        self._bindings.key_to_bindings["y"] = [Binding("y", "answer(True)", yes)]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(Content.styled(self.title_text, "bold $accent"))
            # The body names accounts and files: plain text, never markup.
            yield Static(Content(self.body), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="confirm-yes")
                yield Button("Cancel (n)", id="confirm-no")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
