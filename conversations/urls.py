from django.contrib.auth import views as auth_views
from django.urls import path

from conversations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.widget_demo, name="widget-demo"),
    path("console/", views.agent_console, name="console"),
    path("console/login/", auth_views.LoginView.as_view(template_name="console/login.html", redirect_authenticated_user=True),
         name="console-login"),
    path("console/logout/", auth_views.LogoutView.as_view(next_page="console-login"), name="console-logout"),
]
