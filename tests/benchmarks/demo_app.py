"""Launch the full-screen app on a grown demo (24 accounts): the subject of bench_app.py.

    python tests/benchmarks/demo_app.py [--copies N] [--state FILE]

It is the same app as `aiquota-tui --demo`, with the demo's accounts copied N times (default 6,
so 4 × 6 = 24 accounts) and the remembered state kept in a temporary file, never the user's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="demo copies (30 accounts each)")
    parser.add_argument("--state", type=Path, help="state file (default: a temporary one)")
    args = parser.parse_args(argv)

    from providers.discover import build_sources
    from providers.registry import select
    from tui.app import QuotaApp
    from tui.config import Config

    sources = build_sources(select(None), Config(), use_demo=True, demo_copies=args.copies)
    with tempfile.TemporaryDirectory(prefix="aiquota-bench-state-") as folder:
        state_path = args.state or Path(folder) / "state.toml"
        app = QuotaApp(sources, state_path=state_path)
        app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
