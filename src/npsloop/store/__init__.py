"""Persistence adapter: SQLAlchemy tables mapped onto the domain classes, repositories, unit of work."""
