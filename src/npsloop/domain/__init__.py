"""The pure core: scores, cases and notifications. Imports no framework, so it can be reasoned about alone."""
