"""Choosing the account with the most room, for `--activate best` and automatic switching."""
