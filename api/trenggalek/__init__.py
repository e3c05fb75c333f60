"""api/trenggalek."""
