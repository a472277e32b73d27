"""`aiquota-tui serve`: the refresh loop without a screen, with HTTP /metrics, /usage, /healthz."""
