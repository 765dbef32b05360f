"""Account services: creating users with a role and scope, API tokens, login lockout."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cadretrain.accounts.models import ApiToken, LoginFailure, User
from cadretrain.catalogue.models import Institution
from cadretrain.core.audit import audit_record
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.errors import DomainError
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str | None = None,
    unit_code: str | None = None,
    institution_name: str | None = None,
    person_code: str | None = None,
    validate: bool = True,
) -> User:
    """Create a user with a role and the scope that role needs (unit, institution or person)."""
    if not actor.is_city_wide:
        raise DomainError("not_allowed")
    try:
        role_enum = Role(role)
    except ValueError:
        raise DomainError("unknown_role", role=role) from None
    username = username.strip()
    if not username:
        raise DomainError("username_required")
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", username=username)
    user = User(username=username, role=role_enum.value)
    if role_enum in (Role.UNIT_OFFICER, Role.VIEWER) or unit_code:
        if not unit_code:
            raise DomainError("unit_required", role=role)
        user.unit = OrgUnit.objects.filter(code=unit_code).first()
        if user.unit is None:
            raise DomainError("unknown_unit", code=unit_code)
    if role_enum is Role.INSTITUTION_STAFF or institution_name:
        if not institution_name:
            raise DomainError("institution_required")
        user.institution = Institution.objects.filter(name=institution_name).first()
        if user.institution is None:
            raise DomainError("unknown_institution", name=institution_name)
    if role_enum is Role.LEARNER or person_code:
        if not person_code:
            raise DomainError("person_required")
        user.person = Person.objects.filter(code=person_code).first()
        if user.person is None:
            raise DomainError("unknown_person", code=person_code)
    if password:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise DomainError("weak_password", reasons="; ".join(exc.messages)) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = role_enum is Role.CITY_ADMIN
    user.save()
    audit_record(actor=actor, obj=user, action="create",
                 changes={"role": [None, user.role], "unit": [None, unit_code]},
                 unit_path=user.unit.path if user.unit else "")
    return user


@transaction.atomic
def token_create(*, actor: Actor, user: User) -> str:
    """Issue a new API token for `user`; the raw token is returned once and never stored."""
    raw = "ct_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=token_digest(raw), prefix=raw[3:11])
    audit_record(actor=actor, obj=user, action="token_create")
    return raw


TOKEN_USE_RECORD_EVERY = dt.timedelta(minutes=5)


def actor_for_token(raw: str) -> Actor | None:
    """The actor of an active user's unrevoked bearer token, or None: one indexed query per API
    request (raw SQL: the ORM would spend ~10x the query's own time compiling it). The token's
    last use is written only when the recorded one is older than TOKEN_USE_RECORD_EVERY, so a
    read request takes no write lock (under an import on SQLite it would queue behind it)."""
    from django.db import connection

    from cadretrain.core import versions

    token_t, user_t, unit_t = ApiToken._meta.db_table, User._meta.db_table, OrgUnit._meta.db_table
    stale_before = connection.ops.adapt_datetimefield_value(timezone.now() - TOKEN_USE_RECORD_EVERY)
    with connection.cursor() as cursor:
        # The data-version counter rides along: the request's cached figures need it next, and on
        # PostgreSQL every saved round trip counts.
        cursor.execute(
            f"SELECT u.id, u.username, u.role, u.institution_id, u.person_id, ou.path, "
            f"CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN t.id END, "
            f"({versions.CURRENT_SQL}) "
            f"FROM {token_t} t JOIN {user_t} u ON u.id = t.user_id "
            f"LEFT JOIN {unit_t} ou ON ou.id = u.unit_id "
            f"WHERE t.digest = %s AND t.revoked = %s AND u.is_active = %s",
            [stale_before, versions.TOPIC, token_digest(raw), False, True],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    user_id, username, role, institution_id, person_id, unit_path, stale_token_id, version = row
    versions.seen(versions.TOPIC, version or 0)
    if stale_token_id is not None:
        now = timezone.now()
        ApiToken.objects.filter(pk=stale_token_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_RECORD_EVERY)
        ).update(last_used_at=now)
    return Actor(user_id=user_id, role=Role(role), unit_path=unit_path, institution_id=institution_id,
                 person_id=person_id, username=username)


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=token_digest(raw), revoked=False, user__is_active=True)
        .first()
    )
    return token.user if token else None


def login_is_locked(username: str) -> bool:
    """Too many recent failures for this username: refuse even a correct password for now."""
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return (
        LoginFailure.objects.filter(username=username.lower(), at__gte=since).count()
        >= settings.LOGIN_MAX_FAILURES
    )


def login_failure_record(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower(), ip=ip)


def login_success_record(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
