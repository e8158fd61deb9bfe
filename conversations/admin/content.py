"""Staff-managed content: intents, training examples, agent replies, knowledge articles."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample


class TrainingExampleInline(admin.TabularInline):
    model = TrainingExample
    fields = ["text", "source"]
    readonly_fields = ["source"]
    extra = 1


class AgentReplyInline(admin.StackedInline):
    model = AgentReply
    extra = 0


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "requests_human", "example_count"]
    search_fields = ["name", "description"]
    list_filter = ["requests_human"]
    inlines = [TrainingExampleInline, AgentReplyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Intent]:
        return super().get_queryset(request).annotate(example_count=Count("examples"))

    @admin.display(description="examples", ordering="example_count")
    def example_count(self, obj: Intent) -> int:
        return obj.example_count


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ["text", "intent", "source", "created_by", "created_at"]
    list_filter = ["source", "intent"]
    search_fields = ["text"]
    list_select_related = ["intent", "created_by"]
    readonly_fields = ["message", "created_by", "created_at"]


@admin.register(AgentReply)
class AgentReplyAdmin(admin.ModelAdmin):
    list_display = ["intent", "text"]
    list_filter = ["intent"]
    search_fields = ["text"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "updated_at"]
    list_filter = ["published", "intents"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["intents"]
