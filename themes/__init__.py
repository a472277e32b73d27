"""Theme files (*.toml) and the app's stylesheet, shipped as package data."""
