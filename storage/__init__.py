"""SQLAlchemy 2 async implementation of the domain's ports, and Alembic migrations."""
