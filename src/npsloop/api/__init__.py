"""HTTP adapter: FastAPI routes that validate, call one service, and answer."""
