"""Balance-only providers (OpenRouter, DeepSeek, Moonshot) and their demo."""
