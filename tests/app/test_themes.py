from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets import Static

from tui.themes import (
    DEFAULT_THEME,
    MAX_THEME_FILE_BYTES,
    QUOTA_VARIABLES,
    LoadedTheme,
    ThemeError,
    bundled_themes,
    load_theme_file,
    quota_colour_defaults,
    user_themes,
)

ALL_KEYS = (
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


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio between two colours."""

    def luminance(colour: str) -> float:
        parsed = Color.parse(colour)
        channels = []
        for value in (parsed.r, parsed.g, parsed.b):
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        red, green, blue = channels
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- bundled themes -------------------------------------------------------------------------


def bundled_files() -> list:
    return sorted(
        (entry for entry in resources.files("themes").iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )


def test_bundled_themes_are_the_three_shipped_sorted_by_name() -> None:
    names = [theme.name for theme in bundled_themes()]
    assert names == ["aiquota-dark", "aiquota-light", "aiquota-nord"]
    assert DEFAULT_THEME in names


@pytest.mark.parametrize("entry", bundled_files(), ids=lambda entry: entry.name)
def test_every_bundled_file_loads_cleanly_and_sets_everything(entry) -> None:
    loaded = load_theme_file(Path(str(entry)))
    assert loaded.warnings == ()
    theme = loaded.theme
    assert entry.name == f"{theme.name}.toml"
    for key in ALL_KEYS:
        assert getattr(theme, key) is not None, key
    assert set(theme.variables) == set(QUOTA_VARIABLES)


@pytest.mark.parametrize("theme", bundled_themes(), ids=lambda theme: theme.name)
def test_bundled_themes_are_readable(theme: Theme) -> None:
    assert theme.background is not None and theme.foreground is not None
    assert contrast(theme.foreground, theme.background) >= 7
    assert contrast(theme.foreground, theme.panel) >= 4.5
    for variable in QUOTA_VARIABLES:
        assert contrast(theme.variables[variable], theme.background) >= 3, variable
    # Four different quota colours, so every state can be told apart.
    assert len({theme.variables[v].lower() for v in QUOTA_VARIABLES}) == 4


def test_bundled_dark_flags() -> None:
    dark = {theme.name: theme.dark for theme in bundled_themes()}
    assert dark == {"aiquota-dark": True, "aiquota-light": False, "aiquota-nord": True}


# --- load_theme_file ------------------------------------------------------------------------


def test_minimal_theme_needs_only_name_and_primary(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.toml", 'name = "mine"\nprimary = "#ff0000"\n')
    loaded = load_theme_file(path)
    assert isinstance(loaded, LoadedTheme)
    assert loaded.theme.name == "mine"
    assert loaded.theme.primary == "#ff0000"
    assert loaded.theme.dark is True
    assert loaded.theme.variables == {}
    assert loaded.warnings == ()


def test_quota_colours_become_theme_variables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "q.toml",
        'name = "q"\nprimary = "red"\ndark = false\nplenty = "#00ff00"\nexhausted = "ansi_magenta"\n'
        'background = "rgb(10, 20, 30)"\n',
    )
    theme = load_theme_file(path).theme
    assert theme.variables == {"quota-plenty": "#00ff00", "quota-exhausted": "ansi_magenta"}
    assert theme.dark is False
    assert theme.background == "rgb(10, 20, 30)"


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", 'name = "x"\nprimary = "#fff"\ndark = yes\n')
    with pytest.raises(ThemeError) as caught:
        load_theme_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 3" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('primary = "#fff"\n', "name"),
        ('name = "x"\n', "primary"),
        ('name = 3\nprimary = "#fff"\n', "name"),
        ('name = "x"\nprimary = "#fff"\ndark = "yes"\n', "dark"),
        ('name = "x"\nprimary = 255\n', "primary"),
        ('name = "x"\nprimary = "#fff"\nlow = ["#fff"]\n', "low"),
        ('name = "x"\nprimary = "#fff"\nsurface = "not-a-colour"\n', "surface"),
        ('name = "x"\nprimary = "#fff"\ncritical = "#12345"\n', "critical"),
    ],
)
def test_bad_values_name_the_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, "t.toml", text)
    with pytest.raises(ThemeError) as caught:
        load_theme_file(path)
    assert f"'{key}'" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("name", ["", "  ", " padded", "a,b"])
def test_unusable_names_are_refused(tmp_path: Path, name: str) -> None:
    # "a,b" would be read by Textual as "try a, then b".
    path = write(tmp_path, "t.toml", f'name = "{name}"\nprimary = "#fff"\n')
    with pytest.raises(ThemeError, match="'name'"):
        load_theme_file(path)


def test_unknown_keys_are_warnings_not_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", 'name = "x"\nprimary = "#fff"\nprimry = "#000"\nfoo = 1\n')
    loaded = load_theme_file(path)
    assert loaded.theme.name == "x"
    assert len(loaded.warnings) == 2
    assert all(str(path) in warning for warning in loaded.warnings)
    assert "'primry'" in loaded.warnings[0] and "did you mean 'primary'" in loaded.warnings[0]
    assert "'foo'" in loaded.warnings[1]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    text = 'name = "x"\nprimary = "#fff"\n' + padding * (MAX_THEME_FILE_BYTES // len(padding) + 1)
    path = write(tmp_path, "big.toml", text)
    with pytest.raises(ThemeError, match="larger than 256 KB"):
        load_theme_file(path)


def test_unreadable_files_raise_theme_error(tmp_path: Path) -> None:
    with pytest.raises(ThemeError, match="no such file"):
        load_theme_file(tmp_path / "missing.toml")
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(ThemeError, match="folder"):
        load_theme_file(tmp_path / "folder.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "\xff"\nprimary = "#fff"\n')
    with pytest.raises(ThemeError, match="UTF-8"):
        load_theme_file(binary)


# --- user_themes ----------------------------------------------------------------------------


def test_missing_user_folder_is_no_themes_and_no_messages(tmp_path: Path) -> None:
    assert user_themes(tmp_path / "nope") == ([], [])


def test_user_folder_that_is_a_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "themes", "")
    themes, messages = user_themes(path)
    assert themes == []
    assert len(messages) == 1 and str(path) in messages[0]


def test_user_themes_skip_broken_files_with_one_message_each(tmp_path: Path) -> None:
    write(tmp_path, "zeta.toml", 'name = "zeta"\nprimary = "#fff"\n')
    write(tmp_path, "alpha.toml", 'name = "alpha"\nprimary = "#000"\ncolour = "#111"\n')
    broken_toml = write(tmp_path, "broken.toml", "name = \n")
    broken_colour = write(tmp_path, "colour.toml", 'name = "c"\nprimary = "blurple"\n')
    write(tmp_path, "notes.txt", "not a theme")

    themes, messages = user_themes(tmp_path)

    assert [theme.name for theme in themes] == ["alpha", "zeta"]
    assert len(messages) == 3
    skipped = [message for message in messages if "skipped" in message]
    assert len(skipped) == 2
    assert any(f"Theme file {broken_toml} skipped: invalid TOML" in m for m in messages)
    assert any("'primary'" in m and str(broken_colour) in m for m in messages)
    # The path appears once in each message, not repeated by the ThemeError text.
    assert all(m.count(str(tmp_path)) == 1 for m in skipped)
    assert any("unknown key 'colour'" in m for m in messages)


def test_user_themes_with_the_same_name_keep_the_first_file(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'name = "same"\nprimary = "#111111"\n')
    second = write(tmp_path, "b.toml", 'name = "same"\nprimary = "#222222"\n')
    themes, messages = user_themes(tmp_path)
    assert [theme.primary for theme in themes] == ["#111111"]
    assert len(messages) == 1 and str(second) in messages[0] and "already used" in messages[0]


# --- quota colour fallbacks -----------------------------------------------------------------


def test_defaults_follow_a_themes_own_status_colours() -> None:
    nord = BUILTIN_THEMES["nord"]
    colours = quota_colour_defaults(nord)
    assert set(colours) == set(QUOTA_VARIABLES)
    assert colours["quota-plenty"] == nord.success
    assert colours["quota-low"] == nord.warning
    assert colours["quota-critical"] == nord.error
    # Exhausted is derived from the error colour but stays apart from critical.
    assert colours["quota-exhausted"].lower() != nord.error.lower()


def test_defaults_for_a_bare_theme_are_literal_colours() -> None:
    colours = quota_colour_defaults(Theme(name="bare", primary="#123456"))
    assert colours == {
        "quota-plenty": "#4EBF71",
        "quota-low": "#ffa62b",
        "quota-critical": "#ba3c5b",
        "quota-exhausted": "#7a2e3e",
    }


@pytest.mark.parametrize("name", ["ansi-dark", "ansi-light"])
def test_ansi_themes_get_terminal_palette_colours(name: str) -> None:
    colours = quota_colour_defaults(BUILTIN_THEMES[name])
    assert colours["quota-plenty"] == "ansi_green"
    assert colours["quota-critical"] == "ansi_red"
    for value in colours.values():
        assert Color.parse(value).ansi is not None


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_defaults_parse_for_every_builtin_theme(name: str) -> None:
    colours = quota_colour_defaults(BUILTIN_THEMES[name])
    for value in colours.values():
        Color.parse(value)
    assert colours["quota-exhausted"] != colours["quota-critical"]


# --- in a Textual app -----------------------------------------------------------------------


class QuotaApp(App[None]):
    """The smallest app that uses the quota variables the way the real one does."""

    CSS = "#bar { color: $quota-critical; }"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return quota_colour_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("[$quota-low]x[/]", id="low")
        yield Static("y", id="bar")


def first_colour(app: App, selector: str) -> str:
    widget = app.query_one(selector, Static)
    segment = next(iter(widget.render_lines(widget.size.region)[0]))
    assert segment.style is not None and segment.style.color is not None
    return Color.from_rich_color(segment.style.color).hex


async def test_loaded_theme_drives_markup_and_css_variables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mine.toml",
        'name = "mine"\nprimary = "#336699"\nlow = "#123456"\ncritical = "#654321"\n',
    )
    app = QuotaApp()
    async with app.run_test() as pilot:
        app.register_theme(load_theme_file(path).theme)
        app.theme = "mine"
        await pilot.pause()
        assert first_colour(app, "#low") == "#123456"
        assert first_colour(app, "#bar") == "#654321"


async def test_bundled_themes_register_and_apply() -> None:
    app = QuotaApp()
    async with app.run_test() as pilot:
        for theme in bundled_themes():
            app.register_theme(theme)
            app.theme = theme.name
            await pilot.pause()
            assert first_colour(app, "#low") == Color.parse(theme.variables["quota-low"]).hex


async def test_builtin_theme_falls_back_to_quota_defaults() -> None:
    app = QuotaApp()
    async with app.run_test() as pilot:
        app.theme = "nord"
        await pilot.pause()
        nord = BUILTIN_THEMES["nord"]
        assert first_colour(app, "#low") == Color.parse(nord.warning).hex
        assert first_colour(app, "#bar") == Color.parse(nord.error).hex


async def test_ansi_theme_falls_back_without_errors() -> None:
    app = QuotaApp()
    async with app.run_test() as pilot:
        app.theme = "ansi-dark"
        await pilot.pause()
        assert app.theme_variables["quota-low"] == "ansi_yellow"
        first_colour(app, "#low")
