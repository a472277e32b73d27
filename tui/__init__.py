"""The terminal front ends: the Textual app and the one-shot command line."""
