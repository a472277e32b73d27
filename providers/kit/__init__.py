"""The shared tools every provider uses: HTTP, secrets, paths, files, values, text."""
