"""One error format for every API error, and the exception handlers that produce it.

Every error body is ``{"code": str, "message": str, "field_errors": {field: [message, ...]}}``.
Messages are translated into the request's language (``Accept-Language``: en / zh-hans).

Status codes (the decision, kept here so clients and tests agree):

- 400 ``invalid``: the service refused the data (Django ``ValidationError``). This includes
  duplicates that the model validation catches, e.g. a unified social credit code that another
  customer already has: it is a mistake in one field, so it is a field error, not a conflict.
- 422 ``invalid_request``: the request does not match the schema (wrong type, missing field,
  unknown field, bad query parameter). Detected by pydantic before any service runs.
- 401 ``not_authenticated``: no credentials, or an invalid or expired token.
- 403 ``permission_denied`` (missing permission) or ``csrf_failed`` (session without CSRF token).
- 404 ``not_found``: the object does not exist *or the user may not see it* (never 403, so the
  API does not reveal which customers exist).
- 409 ``conflict``: the database refused the write although validation passed (a concurrent
  duplicate, or a delete blocked by records that still refer to the object).
- 500 ``server_error``: anything unexpected; logged with its traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("credo.api")

# The key used for errors that concern the whole object rather than one field.
NON_FIELD_KEY = NON_FIELD_ERRORS


class ErrorOut(Schema):
    """The body of every error response."""

    code: str
    message: str
    field_errors: dict[str, list[str]] = {}


class ApiError(Exception):
    """An error raised by an endpoint with a status, a machine code and a translated message."""

    status_code = 400
    code = "error"
    default_message = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, field_errors: dict[str, list[Any]] | None = None):
        self.message = message if message is not None else self.default_message
        self.field_errors = field_errors or {}
        super().__init__(str(self.message))


class NotAuthenticated(ApiError):
    status_code = 401
    code = "not_authenticated"
    default_message = _("Authentication is required: send 'Authorization: Bearer <token>'.")


class InvalidToken(NotAuthenticated):
    default_message = _("The API token is invalid or has expired.")


class Forbidden(ApiError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = _("CSRF verification failed: send the X-CSRFToken header with a session.")


class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApiError):
    status_code = 409
    code = "conflict"
    default_message = _("The change conflicts with existing data.")


def error_body(code: str, message: Any, field_errors: dict[str, list[Any]] | None = None) -> dict:
    """Render the common error body, forcing lazy translations in the active language."""
    return {
        "code": code,
        "message": str(message),
        "field_errors": {
            str(field): [str(m) for m in messages]
            for field, messages in (field_errors or {}).items()
        },
    }


def _respond(api: NinjaAPI, request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


def django_validation_field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """``message_dict`` when the error has fields, else the messages under ``__all__``."""
    if hasattr(exc, "error_dict"):
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {NON_FIELD_KEY: list(exc.messages)}


# pydantic error types that have a plain, translatable equivalent.
_PYDANTIC_MESSAGES = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not allowed here."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_type": _("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": _("Enter a date and time in ISO 8601 format."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "list_type": _("Enter a list."),
    "dict_type": _("Enter an object."),
    "model_attributes_type": _("Enter an object."),
    "json_invalid": _("The request body is not valid JSON."),
}

# Errors ninja raises as HttpError (400 only for a body it cannot parse).
_HTTP_ERRORS = {
    400: ("bad_request", _("The request body is not valid JSON.")),
    401: ("not_authenticated", NotAuthenticated.default_message),
    403: ("permission_denied", Forbidden.default_message),
    404: ("not_found", NotFound.default_message),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    409: ("conflict", Conflict.default_message),
    429: ("throttled", _("Too many requests: try again later.")),
}

# Leading parts of a pydantic location that name the request part, not the field.
_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form", "file"}


def pydantic_field_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Map ninja's list of pydantic errors to ``{"field.sub": [message]}``.

    ninja prefixes locations with the request part and the parameter name
    (``["body", "payload", "uscc"]``); both are dropped so the key is the field clients send.
    """
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _LOCATION_PREFIXES:
            part = loc.pop(0)
            # Body parameters are wrapped in the handler's argument name; query/path are not.
            # A location that is only that name concerns the whole body.
            if part == "body" and loc:
                loc.pop(0)
        field = ".".join(loc) or NON_FIELD_KEY
        translated = _PYDANTIC_MESSAGES.get(error.get("type", ""))
        message = str(translated) if translated is not None else str(error.get("msg", ""))
        result.setdefault(field, []).append(message)
    return result


def install_exception_handlers(api: NinjaAPI) -> None:
    """Route every exception an endpoint can raise to the common error format."""

    def handle_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _respond(
            api, request, exc.status_code, error_body(exc.code, exc.message, exc.field_errors)
        )

    def handle_request_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return _respond(
            api,
            request,
            422,
            error_body(
                "invalid_request",
                gettext("The request does not match the expected format."),
                pydantic_field_errors(exc.errors),
            ),
        )

    def handle_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return _respond(
            api,
            request,
            400,
            error_body(
                "invalid",
                gettext("The data is not valid."),
                django_validation_field_errors(exc),
            ),
        )

    def handle_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return handle_api_error(request, NotAuthenticated())

    def handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Raised by ninja itself; its English texts are replaced by translated ones.
        code, message = _HTTP_ERRORS.get(exc.status_code, ("error", exc.message))
        return _respond(api, request, exc.status_code, error_body(code, message))

    def handle_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return handle_api_error(request, NotFound())

    def handle_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return handle_api_error(request, Forbidden())

    def handle_integrity(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.info("API write refused by the database: %s", exc)
        if isinstance(exc, ProtectedError | RestrictedError):
            return handle_api_error(
                request, Conflict(_("Other records still refer to this object."))
            )
        return handle_api_error(request, Conflict())

    def handle_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected API error")
        return _respond(
            api,
            request,
            500,
            error_body("server_error", gettext("An unexpected error occurred.")),
        )

    api.add_exception_handler(ApiError, handle_api_error)
    api.add_exception_handler(NinjaValidationError, handle_request_validation)
    api.add_exception_handler(DjangoValidationError, handle_django_validation)
    api.add_exception_handler(AuthenticationError, handle_authentication)
    api.add_exception_handler(HttpError, handle_http_error)
    api.add_exception_handler(Http404, handle_not_found)
    api.add_exception_handler(ObjectDoesNotExist, handle_not_found)
    api.add_exception_handler(PermissionDenied, handle_permission_denied)
    api.add_exception_handler(IntegrityError, handle_integrity)
    api.add_exception_handler(ProtectedError, handle_integrity)
    api.add_exception_handler(RestrictedError, handle_integrity)
    api.add_exception_handler(Exception, handle_unexpected)


# Documented error responses, merged into each operation's ``response=`` mapping.
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
