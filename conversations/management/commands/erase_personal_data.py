import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from conversations import services
from conversations.errors import ChatError


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = ("Erase everything held about a person, found by one of their values (docs/privacy.md, right to erasure). "
            "The value is read from standard input, so it stays out of the shell history and the process list.")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--user", required=True, help="username of the privacy officer erasing (recorded)")
        parser.add_argument("--reason", required=True, help="why (recorded)")

    def handle(self, *args: object, **options: object) -> None:
        officer = get_user_model().objects.filter(username=options["user"]).first()
        if officer is None:
            raise CommandError(f"No user named {options['user']!r}.")
        value = (options.get("stdin") or sys.stdin).readline()
        try:
            record = services.person_erase(value=value.strip(), user=officer, reason=str(options["reason"]))
        except (ChatError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        except PermissionError as exc:
            raise CommandError(f"A file could not be rewritten: {exc.filename}.") from None
        self.stdout.write(self.style.SUCCESS(
            f"Erasure {record.pk}: {record.conversations} conversation(s), {record.messages} message(s), "
            f"{record.vault_entries} vault entries, {record.training_examples} training example(s), {len(record.files)} file(s)."))
