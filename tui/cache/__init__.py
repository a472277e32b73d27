"""latest.json: the last answers of every account, for the status line (CONTRACT.md)."""
