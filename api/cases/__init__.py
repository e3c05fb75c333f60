"""The case kernel at the API: the router builder for officer cases and race-free acting."""
