"""db/magelang."""
