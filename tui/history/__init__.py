"""The local history: every good answer's windows and balances, sampled into SQLite.

store.py opens (and, when damaged, sets aside) the database; record.py decides what is kept;
sink.py is the answers seam's sink; query.py reads it back for the `history` command and the
screen; demo.py makes the demo's own week of sample history. The database lives in
platformdirs' user_state_dir as history.sqlite3 and never holds a secret.
"""

from __future__ import annotations

from tui.history.events import recent_events, record_event
from tui.history.store import FILE_NAME, HistoryUnavailable, default_path

__all__ = ["FILE_NAME", "HistoryUnavailable", "default_path", "recent_events", "record_event"]
