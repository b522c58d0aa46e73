"""The use cases. The HTTP API, the Celery tasks and the CLI all call these, and nothing else orchestrates."""
