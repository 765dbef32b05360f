"""Models of the standards app."""
