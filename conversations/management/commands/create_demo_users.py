from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from conversations import roles

DEMO_USERS = [
    ("admin", "Superuser: everything", None, True),
    ("agent", "Agent: transcripts, live replies, relabelling", roles.AGENTS, False),
    ("staff", "Staff: also knowledge base, intents, training", roles.STAFF, False),
]


class Command(BaseCommand):
    help = "Create demo logins (admin, agent, staff) with a shared password; for local demos only."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--password", default="demo-password", help="Password for every demo login.")

    def handle(self, *args: object, password: str, **options: object) -> None:
        roles.roles_sync()
        User = get_user_model()  # noqa: N806
        for username, description, group, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff, user.is_superuser = True, superuser
            user.set_password(password)
            user.save()
            if group:
                user.groups.set([Group.objects.get(name=group)])
            self.stdout.write(f"  {username} / {password}  ({description})")
