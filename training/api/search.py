"""Staff search over the knowledge-base index the bot serves: what would the bot find for this question?"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.permissions import HasPerm
from conversations.api.serializers import ErrorEnvelope, NameLookupField
from conversations.models import Intent
from training.serving.retriever import MAX_QUERY_CHARS
from training.serving.search import knowledge_search

MAX_K = 20


class SearchIn(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_CHARS, help_text=f"The question, 1 to {MAX_QUERY_CHARS} characters.")
    k = serializers.IntegerField(min_value=1, max_value=MAX_K, default=5, help_text=f"Articles to return, 1 to {MAX_K}.")
    intent = NameLookupField(slug_field="name", queryset=Intent.objects.all(), required=False,
                                          help_text="An intent name: ranks its articles higher when RETRIEVAL_INTENT_BOOST > 0, as the bot does.")


class SearchHitOut(serializers.Serializer):
    article_id = serializers.IntegerField(help_text="The knowledge article's id (/api/v1/articles/{id}/).")
    title = serializers.CharField()
    url = serializers.CharField()
    passage = serializers.CharField(help_text="The article's best-matching passage.")
    score = serializers.FloatField(help_text="Ranking score: the fused relevance, plus the intent bonus when one applied.")
    similarity = serializers.FloatField(help_text="Cosine similarity of the question and the article's best entry.")
    lexical = serializers.FloatField(help_text="Saturated BM25 score in [0, 1) (0 for an index without a lexical part).")
    relevance = serializers.FloatField(help_text="Dense and lexical scores fused (the similarity for a dense-only index).")
    relevant = serializers.BooleanField(help_text="relevance >= min_score: the bot would use this passage.")


class SearchOut(serializers.Serializer):
    index_version = serializers.IntegerField()
    index_type = serializers.CharField(help_text="flat (exact) or hnsw (approximate).")
    min_score = serializers.FloatField(help_text="The relevance floor of this index version.")
    hits = SearchHitOut(many=True)


class KnowledgeSearch(APIView):
    # Anyone who may read the articles: staff, integrators and agents (who look answers up when they take over).
    permission_classes = [HasPerm("conversations.view_knowledgearticle")]

    @extend_schema(
        summary="Search the served knowledge-base index", parameters=[SearchIn],
        responses={200: SearchOut, 400: OpenApiResponse(ErrorEnvelope, description="Empty or too long q, bad k, unknown intent"),
                   401: OpenApiResponse(ErrorEnvelope), 403: OpenApiResponse(ErrorEnvelope),
                   503: OpenApiResponse(ErrorEnvelope, description="No index is being served")},
    )
    def get(self, request: Request) -> Response:
        data = SearchIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        intent = data.validated_data.get("intent")
        served, hits = knowledge_search(text=data.validated_data["q"], k=data.validated_data["k"], intent=intent.name if intent else None)
        body = {
            "index_version": served.version, "index_type": served.index_type, "min_score": served.min_score,
            "hits": [{"article_id": int(h.article_id), "title": h.title, "url": h.url, "passage": h.passage, "score": h.score,
                      "similarity": h.similarity, "lexical": h.lexical, "relevance": h.relevance,
                      "relevant": served.is_relevant(h)} for h in hits],
        }
        return Response(SearchOut(body).data)
