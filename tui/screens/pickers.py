"""Modal pickers: the fuzzy account finder (`a`) and the theme chooser (`t`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.fuzzy import rank


class _OptionsPicker(ModalScreen[str | None]):
    """What both pickers do with their one option list: move in it, answer with an id."""

    OPTIONS_ID = ""  # the id of the screen's OptionList

    def _options(self) -> OptionList:
        return self.query_one(f"#{self.OPTIONS_ID}", OptionList)

    def _dismiss_highlighted(self) -> None:
        options = self._options()
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self._options()
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))


class AccountPicker(_OptionsPicker):
    """Type a few letters of a provider, account or plan; enter jumps to it."""

    BINDINGS = [
        # priority: the input and the list below would take enter first, and hide it here.
        Binding("enter", "go", "Go to", priority=True),
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    OPTIONS_ID = "picker-options"

    def __init__(self, candidates: list[tuple[str, str, Content]]) -> None:
        """candidates: (key, searchable text, what to show)."""
        super().__init__()
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box", classes="dialog"):
            yield Static(Content.styled("Go to account", "bold $accent"))
            yield Input(placeholder="type to filter: provider, account, plan", id="picker-input")
            yield OptionList(id="picker-options")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        shown = {key: prompt for key, _, prompt in self.candidates}
        keys = rank(query, [(key, text) for key, text, _ in self.candidates])
        options = self._options()
        options.set_options([Option(shown[key], id=key) for key in keys])
        if keys:
            options.highlighted = 0

    @on(Input.Changed, "#picker-input")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_go(self) -> None:
        self._dismiss_highlighted()


class ThemePicker(_OptionsPicker):
    """Themes preview as you move; enter keeps one, escape puts the old one back."""

    BINDINGS = [
        Binding("enter", "keep", "Keep", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    OPTIONS_ID = "theme-options"

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self.names = names
        self.original = current

    def compose(self) -> ComposeResult:
        with Vertical(id="theme-box", classes="dialog"):
            yield Static(Content.styled("Theme", "bold $accent"))
            # A user theme's name comes from its file: plain text, never markup.
            options = [Option(Content(name), id=name) for name in self.names]
            yield OptionList(*options, id="theme-options")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        options = self._options()
        if self.original in self.names:
            options.highlighted = self.names.index(self.original)
        options.focus()

    @on(OptionList.OptionHighlighted, "#theme-options")
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.app.theme = event.option.id

    def action_keep(self) -> None:
        self._dismiss_highlighted()

    def action_cancel(self) -> None:
        self.app.theme = self.original
        self.dismiss(None)
