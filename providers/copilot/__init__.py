"""GitHub Copilot: the internal quota endpoint, the billing API, and their demo."""
