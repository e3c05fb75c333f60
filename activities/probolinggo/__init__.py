"""activities/probolinggo."""
