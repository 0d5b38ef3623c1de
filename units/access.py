"""Which units a user can see and act on, and who oversees a unit: the single place scoping lives.

A unit's staff reach their own unit only. A reviewer or leader on a unit reaches that unit and
everything below it. Superusers reach everything. Every view and every per-object helper in
the other apps asks these functions; nothing else decides scope.

Scorecards are scoped by the unit that organised their period (``scoring.access``), not by
where the scored unit sits today: a unit moved to another district in a reform stays, for its
past quarters, with the district that scored it.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from units.models import Membership, Role, Unit, UnitKind, UnitQuerySet

# Deepest tree we walk: province → district → commune/agency → (spare).
MAX_DEPTH = 6

User = AbstractBaseUser | AnonymousUser


def descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them (one query per tree level)."""
    found = set(root_ids)
    frontier = set(found)
    for _level in range(MAX_DEPTH):
        if not frontier:
            break
        children = set(Unit.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - found
        found |= frontier
    return found


def _memberships(user: User) -> list[tuple[int, str]]:
    """The user's (unit id, role) pairs, read once per user object: once per request, since
    each request loads its own user."""
    if not user.is_authenticated:
        return []
    found = getattr(user, "_unit_memberships", None)  # request.user is a lazy wrapper
    if found is None:
        found = list(Membership.objects.filter(user=user).values_list("unit_id", "role"))
        user._unit_memberships = found
    return found


def _membership_unit_ids(user: User, roles: Iterable[str]) -> set[int]:
    wanted = set(roles)
    return {unit_id for unit_id, role in _memberships(user) if role in wanted}


def _overseen_ids(user: User, role: str) -> set[int]:
    """The units under the user's memberships with ``role`` (cached like ``_memberships``)."""
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_overseen_unit_ids", None)
    if cache is None:
        cache = user._overseen_unit_ids = {}
    if role not in cache:
        cache[role] = descendant_ids(_membership_unit_ids(user, [role]))
    return cache[role]


def overseen_unit_ids(user: User, roles: Iterable[str] = (Role.REVIEWER, Role.LEADER)):
    """Ids of the units under the user's memberships with ``roles`` (reviewer and leader by
    default), or None for a superuser, who oversees every unit. Plain ids keep the queries
    that filter by them flat, without nested subqueries."""
    if user.is_authenticated and user.is_superuser:
        return None
    found: set[int] = set()
    for role in roles:
        found |= _overseen_ids(user, role)
    return found


def staff_unit_ids(user: User) -> set[int]:
    """Ids of the units the user is staff of: the ones whose self-scores they enter."""
    return _membership_unit_ids(user, [Role.UNIT_STAFF])


def own_unit_ids(user: User) -> set[int]:
    """Ids of the units the user belongs to directly, in any role: nobody reviews these."""
    return {unit_id for unit_id, _role in _memberships(user)}


def _units(ids: set[int] | None) -> UnitQuerySet:
    return Unit.objects.all() if ids is None else Unit.objects.filter(id__in=ids)


def visible_units(user: User) -> UnitQuerySet:
    """Every unit the user may look at."""
    overseen = overseen_unit_ids(user)
    return _units(None if overseen is None else overseen | staff_unit_ids(user))


def scorable_units(user: User) -> UnitQuerySet:
    """Units whose self-scores the user may enter: the units they are staff of."""
    return _units(staff_unit_ids(user))


def reviewable_units(user: User) -> UnitQuerySet:
    """Units whose scorecards the user may appraise: everything under their reviewer units."""
    return _units(overseen_unit_ids(user, [Role.REVIEWER]))


def led_units(user: User) -> UnitQuerySet:
    """Units whose reports the user may approve: everything under their leader units."""
    return _units(overseen_unit_ids(user, [Role.LEADER]))


def organizing_units(user: User) -> UnitQuerySet:
    """Units for which the user may open a quarter: the district or province they are a
    reviewer on (administrators: any district or province)."""
    kinds = UnitKind.administrative()
    if user.is_authenticated and user.is_superuser:
        return Unit.objects.filter(kind__in=kinds)
    return Unit.objects.filter(id__in=_membership_unit_ids(user, [Role.REVIEWER]), kind__in=kinds)


def ancestors(unit: Unit) -> list[Unit]:
    """The units above this one, nearest first."""
    found, current = [], unit
    while current.parent_id is not None and len(found) < MAX_DEPTH:
        current = current.parent
        found.append(current)
    return found


def overseers(unit: Unit, role: str) -> QuerySet:
    """Active users holding ``role`` on this unit or on a unit above it."""
    return (
        get_user_model()
        .objects.filter(
            memberships__unit__in=[unit, *ancestors(unit)], memberships__role=role, is_active=True
        )
        .distinct()
    )


def members(unit: Unit, role: str) -> QuerySet:
    """Active users holding ``role`` on exactly this unit."""
    return get_user_model().objects.filter(
        memberships__unit=unit, memberships__role=role, is_active=True
    )


def roles_on(user: User, unit: Unit) -> set[str]:
    """The roles the user holds on this unit, directly or through a unit above it."""
    if not user.is_authenticated:
        return set()
    roles = {Role.UNIT_STAFF} if unit.pk in staff_unit_ids(user) else set()
    for role in (Role.REVIEWER, Role.LEADER):
        ids = overseen_unit_ids(user, [role])
        if ids is None or unit.pk in ids:
            roles.add(role)
    return roles


def get_unit(user: User, pk: int) -> Unit:
    """A unit the user may look at (its staff, or anyone overseeing it); 404 otherwise."""
    return get_object_or_404(visible_units(user), pk=pk)


def get_province(user: User, pk: int) -> Unit:
    """A province the user reviews or leads (administrators: any); 404 otherwise."""
    return get_object_or_404(overseen_provinces(user), pk=pk)


def overseen_provinces(user: User) -> UnitQuerySet:
    """The provinces whose roll-up the user may open."""
    overseen = overseen_unit_ids(user)
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE)
    return provinces if overseen is None else provinces.filter(id__in=overseen)
