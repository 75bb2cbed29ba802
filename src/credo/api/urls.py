"""``/api/v1/``: the ninja API, and a JSON 404 for every other path under it."""

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext

from .api import api
from .errors import error_body


def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Unknown API paths answer in the API's error format, not with an HTML page."""
    return JsonResponse(
        error_body("not_found", gettext("Not found.")),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [
    path("v1/", api.urls),
    re_path(r"^v1/(?P<unmatched>.*)$", api_not_found),
]
