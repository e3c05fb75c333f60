"""workflows/malang."""
