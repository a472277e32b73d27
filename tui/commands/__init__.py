"""The commands beside the app (CONTRACT.md, second wave), one module each, listed in tui.entry."""
