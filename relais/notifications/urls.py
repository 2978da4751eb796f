"""Notification routes."""

app_name = "notifications"
urlpatterns = []
