"""workflows/probolinggo."""
