"""New API / One API gateways: token usage and the legacy billing, and its demo."""
