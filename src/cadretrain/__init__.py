"""cadretrain: training management for cadres, civil servants and public employees."""

__version__ = "0.1.0"
