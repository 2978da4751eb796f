"""Routes of the orientation matching screens."""

urlpatterns = []
