"""Which accounts' history this process has written, so views know when to read it again.

The sink bumps a counter per account after each batch it stored; a view remembers the
counter its data was read at and reads again only when it moved. No timer, no polling:
a view asks when it redraws anyway. Another process's writes are not seen here (a view
shows the live answer at its right end, so the picture stays current).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

_LOCK = threading.Lock()
_COUNTS: dict[tuple[str, str], int] = {}


def bump(path: Path, keys: Iterable[str]) -> None:
    where = str(path)
    with _LOCK:
        for key in keys:
            _COUNTS[(where, key)] = _COUNTS.get((where, key), 0) + 1


def stamp(path: Path, key: str) -> int:
    return _COUNTS.get((str(path), key), 0)
