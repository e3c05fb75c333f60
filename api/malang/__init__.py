"""api/malang."""
