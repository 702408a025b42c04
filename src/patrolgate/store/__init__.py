"""Persistence: SQLAlchemy tables, repositories and Alembic migrations."""

from patrolgate.store.database import Database, create_database
from patrolgate.store.tables import Base

__all__ = ["Base", "Database", "create_database"]
from patrolgate.store import workflow_tables as workflow_tables  # completes Base.metadata
from patrolgate.store import account_tables as account_tables  # accounts of the web service
from patrolgate.store import oversight_tables as oversight_tables  # oversight and tracking
