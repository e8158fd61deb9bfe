from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

from conversations.realtime.agent import AGENT_PERMISSION


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def widget_demo(request: HttpRequest) -> HttpResponse:
    """A stand-in customer website with the widget embedded by its one script tag."""
    script_url = request.build_absolute_uri(static("widget/chat.js"))
    return render(request, "widget/demo.html", {
        "script_url": script_url,
        "title": settings.CHAT_WIDGET_TITLE,
        "greeting": settings.CHAT_WIDGET_GREETING,
        "max_chars": settings.CHAT_MAX_MESSAGE_CHARS,
    })


@login_required(login_url="console-login")
@permission_required(AGENT_PERMISSION, raise_exception=True)
def agent_console(request: HttpRequest) -> HttpResponse:
    return render(request, "console/console.html", {"max_chars": settings.CHAT_MAX_MESSAGE_CHARS})
