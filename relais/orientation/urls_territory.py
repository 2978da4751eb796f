"""Routes of the orientation territory screens."""

urlpatterns = []
