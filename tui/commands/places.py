"""The user folders as platformdirs names them, without importing it on Linux.

`aiquota-tui status` runs every second from a status bar; importing platformdirs (and the
modules it pulls in) was a sixth of its time. On Linux its answer is the XDG rule below, which a
test holds equal to platformdirs'; elsewhere platformdirs itself answers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "aiquota-tui"
_XDG = {
    "cache": ("XDG_CACHE_HOME", "~/.cache"),
    "state": ("XDG_STATE_HOME", "~/.local/state"),
    "config": ("XDG_CONFIG_HOME", "~/.config"),
}


def user_dir(kind: str) -> Path:
    """platformdirs' user_<kind>_dir("aiquota-tui") for kind cache, state or config."""
    if sys.platform.startswith("linux"):
        variable, default = _XDG[kind]
        base = os.environ.get(variable, "").strip()
        return Path(base or os.path.expanduser(default)) / APP_NAME
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME))
