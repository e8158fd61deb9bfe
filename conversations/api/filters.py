from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from conversations import selectors
from conversations.models import Conversation, TrainingExample


class ConversationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Conversation.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Conversation.Channel.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    rating = django_filters.NumberFilter()
    escalated = django_filters.BooleanFilter(field_name="escalated_at", lookup_expr="isnull", exclude=True)
    intent = django_filters.CharFilter(method="filter_intent")
    confidence = django_filters.ChoiceFilter(choices=[(b, b) for b in selectors.CONFIDENCE_BANDS], method="filter_confidence")
    q = django_filters.CharFilter(method="filter_text", label="Text search in messages")
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Carries this tag", max_length=40)
    queue = django_filters.ChoiceFilter(choices=[(q, q) for q in selectors.QUEUES], method="filter_queue",
                                        label="The console's queues: mine, unassigned, all")
    offline_handoff = django_filters.BooleanFilter(label="Handed off with no agent online or outside business hours")

    class Meta:
        model = Conversation
        fields: list[str] = []

    def filter_intent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.conversations_with_intent(queryset, value)

    def filter_confidence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.conversations_in_band(queryset, value)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.conversations_matching(queryset, value)

    def filter_queue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.conversations_in_queue(queryset, value, user=self.request.user)


class TrainingExampleFilter(django_filters.FilterSet):
    intent = django_filters.CharFilter(field_name="intent__name")
    source = django_filters.ChoiceFilter(choices=TrainingExample.Source.choices)

    class Meta:
        model = TrainingExample
        fields: list[str] = []
