"""One ninja router per domain, mounted by ``credo.api.api``."""
