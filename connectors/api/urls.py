from django.urls import path

from connectors.api import views

urlpatterns = [
    path("email/mailgun/", views.MailgunInbound.as_view(), name="email-inbound-mailgun"),
    path("email/postmark/", views.PostmarkInbound.as_view(), name="email-inbound-postmark"),
    path("chatwoot/webhook/", views.ChatwootWebhook.as_view(), name="chatwoot-webhook"),
    path("article-imports/", views.ArticleImportList.as_view(), name="article-import-list"),
    path("article-imports/<int:pk>/", views.ArticleImportDetail.as_view(), name="article-import-detail"),
    path("transcript-imports/", views.TranscriptImport.as_view(), name="transcript-import"),
]
