"""Local demo settings used by `make run`: debug off by default, plain-http cookies allowed."""

import os

os.environ.setdefault("SECURE_COOKIES", "false")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret-" + str(VAR_DIR)
DEBUG = os.environ.get("DEBUG", "true").lower() in {"1", "true", "yes"}
