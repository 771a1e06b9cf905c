"""Persistence: SQLAlchemy models, sessions and migrations, the content-addressed blob store."""
