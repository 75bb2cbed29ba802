"""``/api/v1/``: the ninja API, with JSON errors for unknown paths and unsupported methods."""

import functools

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext

from .api import api
from .errors import error_body


def _error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
    )


def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Unknown API paths answer in the API's error format, not with an HTML page."""
    return _error_response(404, "not_found", gettext("Not found."))


def _json_method_not_allowed(view):
    """ninja answers an unsupported method with a plain-text 405; give it the error format."""

    @functools.wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself for sessions
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            response = _error_response(
                405, "method_not_allowed", gettext("This method is not allowed here.")
            )
            response["Allow"] = allowed
        return response

    return wrapper


# Not named "app_name": Django would take a module-level app_name as this include's namespace.
api_patterns, api_app_name, api_namespace = api.urls
for pattern in api_patterns:
    pattern.callback = _json_method_not_allowed(pattern.callback)

urlpatterns = [
    path("v1/", (api_patterns, api_app_name, api_namespace)),
    re_path(r"^v1/(?P<unmatched>.*)$", api_not_found),
]
