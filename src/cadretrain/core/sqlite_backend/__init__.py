"""SQLite with the writers of a process taking turns at BEGIN (see base.py)."""
