"""The ninja API root served at ``/api/v1``: auth, error format, routers, OpenAPI and docs.

The docs page is ninja's Swagger UI rendered from ``ninja``'s static files (``'ninja'`` is in
INSTALLED_APPS), so it works offline and under the site's Content-Security-Policy.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from .auth import api_auth
from .errors import install_exception_handlers
from .routers import collections, core, creditfile, customers, decisions, rating


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 rather than \\u escapes (smaller, readable in logs)."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="credo API",
    version="1",
    description=str(
        _(
            "Customer master and credit file. Authenticate with 'Authorization: Bearer <token>' "
            "(create one with 'credo token') or with a logged-in session. Errors always have "
            "the form {code, message, field_errors}."
        )
    ),
    urls_namespace="api-v1",
    auth=api_auth(),
    renderer=Utf8JSONRenderer(),
)
install_exception_handlers(api)
api.add_router("/", customers.router)
api.add_router("/", core.router)
api.add_router("/", creditfile.router)
api.add_router("/", decisions.router)
api.add_router("/", collections.router)
api.add_router("/", rating.router)
