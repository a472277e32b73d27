"""Alerts before a limit bites (issue 16): [alerts] settings, the edge-triggered engine, its
state file, and the ways an alert reaches a person (notice, bell, terminal or desktop
notification) or a program (hooks).

Nothing here imports Textual: `--once` from cron evaluates alerts too.
"""
