"""Gemini CLI and Antigravity: Google's quota endpoints, the editor's cache, demos."""
