"""Every provider's id and short name, in display order, importable without any provider.

`aiquota-tui status` runs every second from tmux and must not import the providers (httpx and
all) to name them: it reads this table when the cache holds none of its own, and checks
`--provider` against it. providers/registry.py is the truth; a test keeps the two equal.
"""

from __future__ import annotations

SHORT_NAMES: dict[str, str] = {
    "codex": "cdx",
    "claude": "cl",
    "copilot": "cop",
    "zhipu": "zhi",
    "zai": "zai",
    "gemini": "gem",
    "antigravity": "ag",
    "nanogpt": "nano",
    "newapi": "napi",
    "openrouter": "or",
    "deepseek": "ds",
    "moonshot": "moon",
}
