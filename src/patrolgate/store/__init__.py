"""Persistence: SQLAlchemy tables, repositories and Alembic migrations.

Every table module is imported here so that ``Base.metadata`` is complete wherever the
store is used (the migrations are checked against it).
"""

from patrolgate.store import account_tables as account_tables
from patrolgate.store import audit_tables as audit_tables
from patrolgate.store import idempotency_tables as idempotency_tables
from patrolgate.store import oversight_tables as oversight_tables
from patrolgate.store import workflow_tables as workflow_tables
from patrolgate.store.database import Database, create_database
from patrolgate.store.tables import Base

__all__ = ["Base", "Database", "create_database"]
