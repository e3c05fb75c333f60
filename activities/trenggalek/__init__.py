"""activities/trenggalek."""
