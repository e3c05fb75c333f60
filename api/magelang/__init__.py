"""api/magelang."""
