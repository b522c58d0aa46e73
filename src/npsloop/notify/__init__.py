"""Notification adapters: one small class per channel, and the templates they send."""
