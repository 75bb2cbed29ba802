"""Binds the request's user and a request id to the actor context for logging."""

from __future__ import annotations

from .context import ActorContext, _current, new_request_id


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or new_request_id()
        request.request_id = request_id
        channel = "api" if request.path.startswith("/api/") else "ui"
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        token = _current.set(
            ActorContext(
                user_id=user.pk if authenticated else None,
                username=user.get_username() if authenticated else "anonymous",
                request_id=request_id,
                channel=channel,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response
