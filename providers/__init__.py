"""Quota sources: discovery, HTTP and parsing. Nothing in this package imports Textual."""

__version__ = "0.1.0"
