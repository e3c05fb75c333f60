"""workflows/case."""
