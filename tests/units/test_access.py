from django.contrib.auth.models import AnonymousUser

from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.access import (
    descendant_ids,
    led_units,
    reviewable_units,
    roles_on,
    scorable_units,
    visible_units,
)
from units.models import Role, Unit, UnitKind


def ids(units) -> set[int]:
    return {unit.id for unit in units}


def subtree(d) -> set[int]:
    return ids([d.district, *d.scored])


# visible_units


def test_staff_see_only_their_own_unit(tuan_giao, staff):
    visible = visible_units(staff)

    assert ids(visible) == {tuan_giao.communes[0].id}


def test_staff_of_two_units_see_both(tuan_giao, staff):
    MembershipFactory(user=staff, unit=tuan_giao.agencies[0], role=Role.UNIT_STAFF)

    visible = visible_units(staff)

    assert ids(visible) == {tuan_giao.communes[0].id, tuan_giao.agencies[0].id}


def test_reviewer_sees_the_district_and_everything_below_it(tuan_giao, other_district, reviewer):
    visible = visible_units(reviewer)

    assert ids(visible) == subtree(tuan_giao)


def test_leader_sees_the_district_and_everything_below_it(tuan_giao, other_district, leader):
    visible = visible_units(leader)

    assert ids(visible) == subtree(tuan_giao)


def test_reviewer_on_another_district_sees_none_of_this_one(
    tuan_giao, other_district, outside_reviewer
):
    visible = visible_units(outside_reviewer)

    assert ids(visible) == subtree(other_district)
    assert ids(visible) & subtree(tuan_giao) == set()


def test_reviewer_does_not_see_the_province_above_the_district(tuan_giao, reviewer):
    visible = visible_units(reviewer)

    assert tuan_giao.province.id not in ids(visible)


def test_superuser_sees_every_unit(tuan_giao, other_district, superuser):
    visible = visible_units(superuser)

    assert ids(visible) == set(Unit.objects.values_list("id", flat=True))


def test_anonymous_sees_nothing(tuan_giao):
    visible = visible_units(AnonymousUser())

    assert ids(visible) == set()


def test_user_without_membership_sees_nothing(tuan_giao):
    user = UserFactory()

    visible = visible_units(user)

    assert ids(visible) == set()


# scorable / reviewable / led units


def test_staff_may_score_only_their_own_unit(tuan_giao, staff):
    assert ids(scorable_units(staff)) == {tuan_giao.communes[0].id}


def test_reviewer_and_leader_may_score_no_unit(tuan_giao, reviewer, leader):
    assert ids(scorable_units(reviewer)) == set()
    assert ids(scorable_units(leader)) == set()


def test_reviewer_may_review_every_unit_of_their_district_only(tuan_giao, other_district, reviewer):
    assert ids(reviewable_units(reviewer)) == subtree(tuan_giao)


def test_staff_and_leader_may_review_nothing(tuan_giao, staff, leader):
    assert ids(reviewable_units(staff)) == set()
    assert ids(reviewable_units(leader)) == set()


def test_leader_leads_every_unit_of_their_district_only(tuan_giao, other_district, leader):
    assert ids(led_units(leader)) == subtree(tuan_giao)


def test_staff_and_reviewer_lead_nothing(tuan_giao, staff, reviewer):
    assert ids(led_units(staff)) == set()
    assert ids(led_units(reviewer)) == set()


def test_superuser_may_review_and_lead_every_unit(tuan_giao, superuser):
    everything = set(Unit.objects.values_list("id", flat=True))

    assert ids(reviewable_units(superuser)) == everything
    assert ids(led_units(superuser)) == everything


def test_anonymous_may_score_review_and_lead_nothing(tuan_giao):
    anonymous = AnonymousUser()

    assert ids(scorable_units(anonymous)) == set()
    assert ids(reviewable_units(anonymous)) == set()
    assert ids(led_units(anonymous)) == set()


# roles_on


def test_staff_hold_the_staff_role_on_their_unit_only(tuan_giao, staff):
    assert roles_on(staff, tuan_giao.communes[0]) == {Role.UNIT_STAFF}
    assert roles_on(staff, tuan_giao.communes[1]) == set()
    assert roles_on(staff, tuan_giao.district) == set()


def test_reviewer_holds_the_reviewer_role_on_units_below_their_district(tuan_giao, reviewer):
    assert roles_on(reviewer, tuan_giao.communes[2]) == {Role.REVIEWER}
    assert roles_on(reviewer, tuan_giao.district) == {Role.REVIEWER}
    assert roles_on(reviewer, tuan_giao.province) == set()


def test_roles_combine_across_memberships(tuan_giao, staff):
    MembershipFactory(user=staff, unit=tuan_giao.district, role=Role.LEADER)

    assert roles_on(staff, tuan_giao.communes[0]) == {Role.UNIT_STAFF, Role.LEADER}
    assert roles_on(staff, tuan_giao.communes[1]) == {Role.LEADER}


def test_outside_reviewer_holds_no_role_in_this_district(tuan_giao, outside_reviewer):
    assert roles_on(outside_reviewer, tuan_giao.communes[0]) == set()


def test_superuser_reviews_and_leads_everywhere(tuan_giao, superuser):
    assert roles_on(superuser, tuan_giao.communes[0]) == {Role.REVIEWER, Role.LEADER}


def test_anonymous_holds_no_role(tuan_giao):
    assert roles_on(AnonymousUser(), tuan_giao.communes[0]) == set()


# descendant_ids


def test_descendants_of_a_province_span_three_levels(tuan_giao, other_district):
    found = descendant_ids([tuan_giao.province.id])

    assert found == {tuan_giao.province.id} | subtree(tuan_giao) | subtree(other_district)


def test_descendants_of_a_district_stop_at_its_own_units(tuan_giao, other_district):
    found = descendant_ids([tuan_giao.district.id])

    assert found == subtree(tuan_giao)


def test_descendants_of_a_leaf_is_the_leaf(tuan_giao):
    found = descendant_ids([tuan_giao.communes[0].id])

    assert found == {tuan_giao.communes[0].id}


def test_descendants_of_several_roots_are_merged(tuan_giao, other_district):
    found = descendant_ids([tuan_giao.communes[0].id, other_district.district.id])

    assert found == {tuan_giao.communes[0].id} | subtree(other_district)


def test_descendants_of_no_root_is_empty(tuan_giao):
    assert descendant_ids([]) == set()


def test_descendants_reach_a_fourth_level(tuan_giao):
    centre = UnitFactory(kind=UnitKind.SERVICE_CENTER, parent=tuan_giao.agencies[0])

    found = descendant_ids([tuan_giao.province.id])

    assert centre.id in found
