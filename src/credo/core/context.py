"""Per-request context (user, request id, channel) for change and access logging.

Services read it so that importers, the CLI and jobs log the same way as web requests.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    user_id: int | None
    username: str
    request_id: str
    channel: str  # "ui", "api", "cli", "import", "system"


_current: ContextVar[ActorContext | None] = ContextVar("credo_actor", default=None)


def current_actor() -> ActorContext:
    actor = _current.get()
    if actor is None:
        return ActorContext(user_id=None, username="system", request_id="", channel="system")
    return actor


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def acting_as(user, *, channel: str, request_id: str | None = None) -> Iterator[ActorContext]:
    """Bind the acting user for the duration of a block (CLI command, import, job)."""
    actor = ActorContext(
        user_id=getattr(user, "pk", None),
        username=getattr(user, "username", "") or "system",
        request_id=request_id or new_request_id(),
        channel=channel,
    )
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def bind_user(user, *, channel: str) -> None:
    """Rebind the actor inside a request once a non-session auth (API token) identified the user.

    The middleware resets the context var when the request ends, so this does not leak.
    """
    previous = current_actor()
    _current.set(
        ActorContext(
            user_id=user.pk,
            username=user.get_username(),
            request_id=previous.request_id or new_request_id(),
            channel=channel,
        )
    )
