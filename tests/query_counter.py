"""Counting the SQL statements a request sends: the guard against N+1 queries (issue #10)."""
from __future__ import annotations

from sqlalchemy import event


class QueryCounter:
    """Records every statement (and its parameters) sent through `engine` while the block runs."""

    def __init__(self, engine):
        self.engine, self.statements, self.executed = engine, [], []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, connection, cursor, statement, parameters, *args):
        self.statements.append(statement)
        self.executed.append((statement, parameters))

    def report(self) -> str:
        return "\n".join(f"  {i + 1}. {' '.join(s.split())[:160]}" for i, s in enumerate(self.statements))
