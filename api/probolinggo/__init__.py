"""api/probolinggo."""
