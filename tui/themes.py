"""Theme files: the bundled *.toml themes, the user's own, and the quota colours.

A theme file is a flat TOML table::

    name = "aiquota-dark"          # required
    primary = "#6cb6ff"            # required
    dark = true
    secondary = "#a99cff"          # ... accent, warning, error, success,
    background = "#11151c"         # surface, panel, foreground: all optional
    plenty = "#4cc38a"             # quota colours, by remaining quota:
    low = "#f0b429"                #   plenty >= 50 %, low < 50 %,
    critical = "#f25f5c"           #   critical < 20 %, exhausted 0 %
    exhausted = "#b85c8e"

The four quota colours become the theme variables ``$quota-plenty``, ``$quota-low``,
``$quota-critical`` and ``$quota-exhausted``. Themes that do not set them (Textual's built-in
ones, for instance) get :func:`quota_colour_defaults` through the app's
``get_theme_variable_defaults``.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from providers.kit.files import read_bytes
from providers.kit.text import TEXT_LIMIT, clean_text
from tui.config import too_long_number

DEFAULT_THEME = "aiquota-dark"

QUOTA_VARIABLES = ("quota-plenty", "quota-low", "quota-critical", "quota-exhausted")

MAX_THEME_FILE_BYTES = 256 * 1024

# Theme file key -> Theme field (the Theme's own colours).
_THEME_COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "background",
    "surface",
    "panel",
    "foreground",
)
# Theme file key -> theme variable.
_QUOTA_COLOUR_KEYS = dict(
    zip(("plenty", "low", "critical", "exhausted"), QUOTA_VARIABLES, strict=True)
)
_KNOWN_KEYS = ("name", "dark", *_THEME_COLOUR_KEYS, *_QUOTA_COLOUR_KEYS)

# Used when a theme has no success / warning / error colour of its own.
_FALLBACK_QUOTA_COLOURS = {
    "quota-plenty": "#4EBF71",
    "quota-low": "#ffa62b",
    "quota-critical": "#ba3c5b",
    "quota-exhausted": "#7a2e3e",
}
# Themes that follow the terminal's own palette get the terminal's own colours.
_ANSI_QUOTA_COLOURS = {
    "quota-plenty": "ansi_green",
    "quota-low": "ansi_yellow",
    "quota-critical": "ansi_red",
    "quota-exhausted": "ansi_magenta",
}
# Textual's own background defaults, used to mute the exhausted colour.
_DEFAULT_BACKGROUND = {True: "#121212", False: "#efefef"}
_EXHAUSTED_MUTE = 0.3


class ThemeError(Exception):
    """A theme file cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class LoadedTheme:
    theme: Theme
    warnings: tuple[str, ...] = ()


def load_theme_file(path: Path) -> LoadedTheme:
    """Read and check one theme file. Raises ThemeError; unknown keys are only warnings."""
    read = read_bytes(path, str(path), limit=MAX_THEME_FILE_BYTES, what="a theme file")
    if not read.ok:
        raise ThemeError(path, read.reason or "cannot read")
    data = read.data
    return _parse_theme(data, str(path))


def bundled_themes() -> list[Theme]:
    """The themes shipped in the ``themes`` package, sorted by name.

    A bundled file that does not load is a bug in the package, so its ThemeError propagates.
    """
    themes = [
        _parse_theme(resource.read_bytes(), f"bundled theme {resource.name}").theme
        for resource in _bundled_theme_resources()
    ]
    return sorted(themes, key=lambda theme: theme.name)


def user_themes(folder: Path) -> tuple[list[Theme], list[str]]:
    """Every *.toml theme in ``folder``, sorted by name, and one message per problem.

    A missing folder is no themes and no messages. A file that does not load is skipped with a
    message; so is a file whose theme name an earlier file (in file-name order) already used.
    """
    try:
        paths = sorted(folder.glob("*.toml"))
    except OSError as error:
        return [], [f"Theme folder {folder} cannot be read: {error.strerror or error}."]
    if not paths and not folder.is_dir():
        if folder.exists():
            return [], [f"Theme folder {folder} is not a folder."]
        return [], []
    themes: dict[str, Theme] = {}
    origin: dict[str, Path] = {}
    messages: list[str] = []
    for path in paths:
        try:
            loaded = load_theme_file(path)
        except ThemeError as error:
            messages.append(f"Theme file {path} skipped: {error.problem}")
            continue
        messages.extend(loaded.warnings)
        name = loaded.theme.name
        if name in themes:
            messages.append(
                f"Theme file {path} skipped: the name '{name}' is already used by {origin[name]}"
            )
            continue
        themes[name] = loaded.theme
        origin[name] = path
    return sorted(themes.values(), key=lambda theme: theme.name), messages


def quota_colour_defaults(theme: Theme) -> dict[str, str]:
    """Values for the four quota variables, for a theme that does not set them itself.

    Derived from the theme's success / warning / error colours; exhausted is the error colour
    muted towards the background so it stays apart from critical. Themes that follow the
    terminal's palette (``ansi``) get ANSI colour names.
    """
    if theme.ansi or theme.name.startswith("ansi-"):
        return dict(_ANSI_QUOTA_COLOURS)
    colours = dict(_FALLBACK_QUOTA_COLOURS)
    if theme.success:
        colours["quota-plenty"] = theme.success
    if theme.warning:
        colours["quota-low"] = theme.warning
    if theme.error:
        colours["quota-critical"] = theme.error
        colours["quota-exhausted"] = _muted(theme.error, theme.background, theme.dark)
    return colours


def _muted(colour: str, background: str | None, dark: bool) -> str:
    try:
        base = Color.parse(colour)
        behind = Color.parse(background or _DEFAULT_BACKGROUND[dark])
    except ColorParseError:
        return colour
    if base.ansi is not None or behind.ansi is not None:
        return colour
    return base.blend(behind, _EXHAUSTED_MUTE).hex


def _bundled_theme_resources() -> list[Any]:
    package = resources.files("themes")
    return sorted(
        (entry for entry in package.iterdir() if entry.name.endswith(".toml") and entry.is_file()),
        key=lambda entry: entry.name,
    )


def _parse_theme(data: bytes, where: str) -> LoadedTheme:
    if len(data) > MAX_THEME_FILE_BYTES:
        raise ThemeError(where, f"larger than {MAX_THEME_FILE_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ThemeError(where, "not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already says "(at line N, column M)".
        raise ThemeError(where, f"invalid TOML: {error}") from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise ThemeError(where, f"invalid TOML: {too_long_number(text)}") from None
    return _validate(document, where)


def _validate(document: dict[str, Any], where: str) -> LoadedTheme:
    warnings = [
        f"{where}: unknown key '{key}' ignored{_suggestion(key)}"
        for key in document
        if key not in _KNOWN_KEYS
    ]
    name = document.get("name")
    if name is None:
        raise ThemeError(where, "'name' is missing")
    if not isinstance(name, str):
        raise ThemeError(where, "'name' must be a string")
    if not name.strip() or name != name.strip():
        raise ThemeError(where, "'name' must not be empty or start or end with spaces")
    if "," in name:
        # Textual reads "a,b" as a list of theme names to try in turn.
        raise ThemeError(where, "'name' must not contain a comma")
    if clean_text(name) != name:
        # The name is shown in the picker and saved to state.toml: text, not terminal controls.
        raise ThemeError(
            where,
            f"'name' must be one line of printable text of at most {TEXT_LIMIT} characters",
        )
    if "primary" not in document:
        raise ThemeError(where, "'primary' is missing")
    dark = document.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(where, "'dark' must be true or false")
    colours = {
        key: _colour(document, key, where)
        for key in (*_THEME_COLOUR_KEYS, *_QUOTA_COLOUR_KEYS)
        if key in document
    }
    variables = {
        variable: colours[key] for key, variable in _QUOTA_COLOUR_KEYS.items() if key in colours
    }
    theme = Theme(
        name=name,
        dark=dark,
        variables=variables,
        **{key: colours[key] for key in _THEME_COLOUR_KEYS if key in colours},
    )
    return LoadedTheme(theme=theme, warnings=tuple(warnings))


def _colour(document: dict[str, Any], key: str, where: str) -> str:
    value = document[key]
    if not isinstance(value, str):
        raise ThemeError(where, f"'{key}' must be a colour string such as \"#1e1e2e\"")
    try:
        Color.parse(value)
    except ColorParseError:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ThemeError(where, f"'{key}' is not a colour: {shown!r}") from None
    return value


def _suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
