"""Routes of the orientation esms screens."""

urlpatterns = []
