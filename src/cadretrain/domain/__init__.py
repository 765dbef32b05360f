"""Pure business rules: no Django, no database. Everything here is testable in milliseconds."""
