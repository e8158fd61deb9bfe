from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from conversations import selectors
from conversations.models import Intent


class IntentFilter(admin.SimpleListFilter):
    title = "intent"
    parameter_name = "intent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name) for name in Intent.objects.values_list("name", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return selectors.conversations_with_intent(queryset, self.value()) if self.value() else queryset


class ConfidenceBandFilter(admin.SimpleListFilter):
    title = "lowest confidence"
    parameter_name = "confidence"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(band, f"{band} ({low:.1f}–{min(high, 1.0):.1f})") for band, (low, high) in selectors.CONFIDENCE_BANDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return selectors.conversations_in_band(queryset, self.value()) if self.value() else queryset


class MessageConfidenceFilter(ConfidenceBandFilter):
    title = "confidence"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        low, high = selectors.CONFIDENCE_BANDS[self.value()]
        return queryset.filter(confidence__gte=low, confidence__lt=high)


class EscalatedFilter(admin.SimpleListFilter):
    title = "escalated"
    parameter_name = "escalated"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(escalated_at__isnull=self.value() == "no")
        return queryset
