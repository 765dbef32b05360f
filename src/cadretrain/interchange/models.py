"""Models of the interchange app."""
