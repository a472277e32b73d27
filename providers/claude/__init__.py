"""Claude Code subscriptions: the OAuth usage endpoint and its demo."""
