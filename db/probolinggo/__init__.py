"""db/probolinggo."""
