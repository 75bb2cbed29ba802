"""Credit rating: the pure engine (``credo.rating.engine``) and, later, its Django side."""
