"""Models of the abroad app."""
