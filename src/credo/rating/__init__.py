"""Credit rating: the pure engine (``credo.rating.engine``) and its Django side (scorecard
versions, ratings and their history, credit events, overrides, notifications)."""
