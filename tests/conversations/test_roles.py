"""Groups and permissions: created by roles_sync() after migrate, and kept exact."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from conversations import roles

pytestmark = pytest.mark.django_db


def group_perms(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_created_the_groups():
    # Nothing in this test created them: post_migrate did.
    assert set(Group.objects.values_list("name", flat=True)) >= {roles.AGENTS, roles.STAFF, roles.INTEGRATORS}
    for name, perms in roles.ROLE_PERMISSIONS.items():
        assert group_perms(name) == set(perms), name


def test_every_listed_permission_exists():
    # roles_sync skips unknown names silently; a typo would quietly take a permission away.
    for name, perms in roles.ROLE_PERMISSIONS.items():
        for dotted in perms:
            app_label, codename = dotted.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (name, dotted)


def test_sync_repairs_drift_and_is_idempotent():
    agents = Group.objects.get(name=roles.AGENTS)
    agents.permissions.add(Permission.objects.get(codename="delete_conversation"))
    agents.permissions.remove(Permission.objects.get(codename="relabel_message"))
    Group.objects.get(name=roles.STAFF).delete()
    roles.roles_sync()
    roles.roles_sync()
    assert Group.objects.filter(name__in=[roles.AGENTS, roles.STAFF, roles.INTEGRATORS]).count() == 3
    assert group_perms(roles.AGENTS) == set(roles.ROLE_PERMISSIONS[roles.AGENTS])
    assert group_perms(roles.STAFF) == set(roles.ROLE_PERMISSIONS[roles.STAFF])


@pytest.mark.parametrize(
    ("perm", "for_agent", "for_staff", "for_integrator"),
    [
        ("conversations.view_conversation", True, True, True),
        ("conversations.view_message", True, True, True),
        ("conversations.reply_conversation", True, True, False),
        ("conversations.relabel_message", True, True, False),
        ("conversations.export_conversation", False, True, False),
        ("conversations.change_conversation", False, True, True),
        ("conversations.add_conversation", False, False, True),
        ("conversations.delete_conversation", False, False, False),
        ("conversations.add_intent", False, True, True),
        ("conversations.change_knowledgearticle", False, True, True),
        ("conversations.add_trainingexample", False, True, True),
        ("conversations.view_intent", True, True, True),
        ("training.start_trainingrun", False, True, True),
        ("training.activate_modelversion", False, True, False),
    ],
)
def test_role_matrix(agent, staff, integrator, superuser, perm, for_agent, for_staff, for_integrator):
    assert (agent.has_perm(perm), staff.has_perm(perm), integrator.has_perm(perm)) == (for_agent, for_staff, for_integrator)
    assert superuser.has_perm(perm)
