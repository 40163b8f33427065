"""The search engine's own schema objects, which the models do not describe.

SQLite keeps the Kiwi tokens in an FTS5 virtual table (`kb_search_fts`, plus the shadow tables FTS5
makes); PostgreSQL keeps them in a `tsvector` column of `kb_search_docs` with a GIN index. The migration
creates them per dialect. They have no place in the model metadata (their types differ per database), so
this module tells Alembic's autogenerate — `flask db migrate` and the models-vs-migrations test alike —
to leave them alone instead of proposing to drop them.
"""
from __future__ import annotations

from alembic.autogenerate import comparators
from alembic.operations import ops

FTS_TABLE = "kb_search_fts"
DOC_TABLE = "kb_search_docs"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_kb_search_docs_search_vector"


def is_engine_object(op) -> bool:
    if isinstance(op, ops.DropTableOp):
        return op.table_name == FTS_TABLE or op.table_name.startswith(FTS_TABLE + "_")
    if isinstance(op, ops.DropColumnOp):
        return op.table_name == DOC_TABLE and op.column_name == VECTOR_COLUMN
    if isinstance(op, ops.DropIndexOp):
        return op.index_name == VECTOR_INDEX
    return False


def _filter(container) -> None:
    kept = []
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            _filter(op)
            if not op.ops:
                continue
        if is_engine_object(op):
            continue
        kept.append(op)
    container.ops[:] = kept


@comparators.dispatch_for("schema")
def _leave_search_engine_objects_alone(autogen_context, upgrade_ops, schemas):
    # Registered after Alembic's own table comparator, so it sees (and prunes) what that one proposed.
    _filter(upgrade_ops)
