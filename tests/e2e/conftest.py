"""Real servers: see tests/support/services.py."""

from tests.support.services import pg_runtime, pg_url, redis_url  # noqa: F401
