"""Wire the demo bank's "card delivery status" action (intent card_arrival) to the fake service on loopback."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from conversations.errors import ChatError
from conversations.models import Intent
from integrations.actions.services import bot_action_save
from integrations.models import BotAction

INTENT = "card_arrival"
SECRET_NAME = "KESTREL_CARDS_TOKEN"
DEMO_ACTION = {
    "name": "Card delivery status",
    "method": BotAction.Method.GET,
    "url_template": "{service}/cards/{{reference}}/delivery",
    "headers": {"Authorization": SECRET_NAME},
    "parameters": [{
        "name": "reference",
        "prompt": "I can check that for you. What is the 8-digit reference of your card order? "
                  "It is in the app under Cards > Card status.",
        "pattern": r"(?<!\d)(?P<value>\d{8})(?!\d)",
    }],
    "reply_template": "Your card is {{status}}: {{carrier}} took it on {{dispatched_on}} and it should reach you by {{expected_by}}.",
    "fallback_text": "I couldn't check your card's delivery just now, so I'm passing you to a member of our support team, "
                     "who will reply here shortly.",
}


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--service-url", default="http://127.0.0.1:8765", help="Where integrations.demo_service listens.")

    def handle(self, *args: object, service_url: str, **options: object) -> None:
        if not Intent.objects.filter(name=INTENT).exists():
            self.stdout.write(f"No intent {INTENT!r} (load the demo data first); the demo action is not wired.")
            return
        if SECRET_NAME not in settings.ACTION_SECRETS:
            raise CommandError(f"ACTION_SECRETS has no {SECRET_NAME}; rundemo sets it for the demo.")
        definition = {**DEMO_ACTION, "url_template": DEMO_ACTION["url_template"].format(service=service_url.rstrip("/"))}
        existing = BotAction.objects.filter(intent__name=INTENT).first()
        try:
            action = bot_action_save(intent=INTENT, action=existing, **definition)
        except ChatError as exc:
            raise CommandError(f"The demo action could not be saved: {exc.message}") from None
        self.stdout.write(f"Demo action '{action.name}' on intent {INTENT} calls {action.url_template}.")
