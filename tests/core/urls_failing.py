"""The project's URLs plus a view that fails, to see the 500 page (tests/core/test_error_pages.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


@login_not_required
def broken(request):
    raise RuntimeError("the view failed")


urlpatterns = [*urlpatterns, path("en-panne/", broken)]
