"""Routes of the messaging app."""

app_name = "messaging"
urlpatterns = []
