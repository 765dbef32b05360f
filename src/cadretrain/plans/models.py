"""Models of the plans app."""
