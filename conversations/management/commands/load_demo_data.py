from django.core.management.base import BaseCommand

from conversations.demo import demo_data_load


class Command(BaseCommand):
    help = "Load the Kestrel Bank demo intents, examples, agent replies and articles (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        result = demo_data_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {result.intents} new intents, {result.examples} new examples, "
                f"{result.agent_replies} new agent replies, {result.articles} new articles."
            )
        )
