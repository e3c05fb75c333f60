"""activities/magelang."""
