"""workflows/trenggalek."""
