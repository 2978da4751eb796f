"""Routes of the orientation persons screens."""

urlpatterns = []
