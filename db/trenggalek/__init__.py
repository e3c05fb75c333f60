"""db/trenggalek."""
