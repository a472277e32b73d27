"""Nano-GPT: subscription usage and balances, and its demo."""
