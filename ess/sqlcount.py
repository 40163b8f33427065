"""Opt-in (ESS_BENCH_SQL_COUNT=1): each response says how many SQL statements it cost, in `X-SQL-Statements`.

The benchmark reads the header to report statements per page from the real server under load; counting in
the server sees every statement, lazy loads and session checks included, which a client cannot.
"""
from __future__ import annotations

from flask import Flask, g, has_request_context
from sqlalchemy import event

HEADER = "X-SQL-Statements"


def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def count_statements(app: Flask) -> None:
    from ess.db import db

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)

    @app.after_request
    def _header(response):
        response.headers[HEADER] = str(g.get("sql_statements", 0))
        return response
