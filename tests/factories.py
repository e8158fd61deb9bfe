"""factory_boy factories for the conversations and training models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from conversations.models import AgentReply, Conversation, Intent, KnowledgeArticle, Message, TrainingExample

PASSWORD = "test-password-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)
    is_staff = False

    @factory.post_generation
    def groups(self, create: bool, names: list[str] | None, **kwargs: object) -> None:
        # Group.objects.get, not get_or_create: the groups must come from roles_sync, never from a test.
        if create and names:
            self.groups.set([Group.objects.get(name=name) for name in names])


class ConversationFactory(DjangoModelFactory):
    class Meta:
        model = Conversation

    channel = Conversation.Channel.WIDGET


class IntentFactory(DjangoModelFactory):
    class Meta:
        model = Intent
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"intent_{n}")
    description = factory.LazyAttribute(lambda i: f"Questions about {i.name.replace('_', ' ')}")


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.CUSTOMER
    text = factory.Sequence(lambda n: f"customer message number {n}")


class TrainingExampleFactory(DjangoModelFactory):
    class Meta:
        model = TrainingExample

    intent = factory.SubFactory(IntentFactory)
    text = factory.Sequence(lambda n: f"example phrasing {n}")
    source = TrainingExample.Source.SEED


class AgentReplyFactory(DjangoModelFactory):
    class Meta:
        model = AgentReply

    intent = factory.SubFactory(IntentFactory)
    text = factory.Sequence(lambda n: f"reference reply {n}")


class KnowledgeArticleFactory(DjangoModelFactory):
    class Meta:
        model = KnowledgeArticle
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Help article {n}")
    body = "Cards arrive in 3 to 5 working days.\n\nTrack the delivery in the app."
    url = factory.LazyAttribute(lambda a: f"https://help.kestrel-bank.example/{a.slug}")

    @factory.post_generation
    def intents(self, create: bool, intents: list[Intent] | None, **kwargs: object) -> None:
        if create and intents:
            self.intents.set(intents)
