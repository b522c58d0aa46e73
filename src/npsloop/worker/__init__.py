"""Celery: the app, thin task wrappers around the services, and the dispatcher the services call."""
