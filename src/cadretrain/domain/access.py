"""Who may do what: roles, the acting user as plain data, and the permission table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITY_ADMIN = "CITY_ADMIN"
    UNIT_OFFICER = "UNIT_OFFICER"
    INSTITUTION_STAFF = "INSTITUTION_STAFF"
    LEARNER = "LEARNER"
    VIEWER = "VIEWER"


class Action(StrEnum):
    VIEW = "view"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_UNITS = "manage_units"
    MANAGE_STANDARDS = "manage_standards"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_CLASSES = "manage_classes"
    NOMINATE = "nominate"
    RECORD_RESULTS = "record_results"
    ISSUE_CERTIFICATES = "issue_certificates"
    MANAGE_PLANS = "manage_plans"
    APPROVE_PLANS = "approve_plans"
    IMPORT = "import"
    EXPORT = "export"
    VIEW_SENSITIVE = "view_sensitive"
    GIVE_FEEDBACK = "give_feedback"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CITY_ADMIN: frozenset(Action),
    Role.UNIT_OFFICER: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_PEOPLE,
            Action.MANAGE_CLASSES,
            Action.NOMINATE,
            Action.RECORD_RESULTS,
            Action.ISSUE_CERTIFICATES,
            Action.MANAGE_PLANS,
            Action.APPROVE_PLANS,
            Action.IMPORT,
            Action.EXPORT,
            Action.VIEW_SENSITIVE,
        }
    ),
    Role.INSTITUTION_STAFF: frozenset(
        {Action.VIEW, Action.MANAGE_CLASSES, Action.RECORD_RESULTS, Action.ISSUE_CERTIFICATES, Action.EXPORT}
    ),
    Role.LEARNER: frozenset({Action.VIEW, Action.GIVE_FEEDBACK}),
    Role.VIEWER: frozenset({Action.VIEW, Action.EXPORT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user reduced to what access decisions need.

    `unit_path` is the materialised path of the unit subtree the actor is scoped to (officers and
    viewers); `institution_id` scopes institution staff; `person_id` scopes a learner to their own
    record. A system actor (commands, jobs) sees everything and is created explicitly.
    """

    user_id: int | None
    role: Role
    unit_path: str | None = None
    institution_id: int | None = None
    person_id: int | None = None
    username: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, role=Role.CITY_ADMIN, username="system")

    @property
    def is_city_wide(self) -> bool:
        return self.role is Role.CITY_ADMIN

    def can(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    def covers_unit_path(self, path: str) -> bool:
        """True when a unit (by its materialised path) lies in the actor's subtree."""
        if self.is_city_wide:
            return True
        if self.role in (Role.UNIT_OFFICER, Role.VIEWER) and self.unit_path:
            return path.startswith(self.unit_path)
        return False
