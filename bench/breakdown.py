"""Where a page's time goes, without the network or the load: in-process, one page at a time.

    .venv/bin/python bench/breakdown.py postgresql+psycopg://postgres@127.0.0.1:5432/bench10k [--repeat 10]

Signs in (dev sign-in) as an employee, a manager with pending leave and an HR person of a seeded database,
opens each benchmarked page `--repeat` times and prints, per page: median total time, median time in SQL,
the number of statements and the slowest statement. Python time is the difference.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    from sqlalchemy import event, text

    from ess import create_app
    from ess.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "DEV_LOGIN": True,
                      "LOGIN_RATE_LIMIT": "100000 per minute", "SEARCH_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        one = lambda sql: db.session.execute(text(sql)).scalar()  # noqa: E731
        employee = one("SELECT employee_no FROM employees ORDER BY id OFFSET 50 LIMIT 1")
        manager = one("SELECT e.employee_no FROM employees e JOIN approval_steps s ON s.decider_id = e.id "
                      "WHERE s.state = 'pending' GROUP BY e.employee_no ORDER BY e.employee_no LIMIT 1")
        hr = one("SELECT e.employee_no FROM employees e JOIN employee_roles r ON r.employee_id = e.id "
                 "WHERE r.role = 'hr' ORDER BY e.employee_no LIMIT 1")
        slug = one("SELECT slug FROM kb_articles ORDER BY id LIMIT 1")
        day = one("SELECT min(start_date) FROM leave_requests WHERE start_date > CURRENT_DATE + 7")
        engine = db.engine
    statements: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        statements.append(((time.perf_counter() - conn.info["bench_t"]) * 1000, " ".join(statement.split())[:90]))

    def signed_in(number):
        client = app.test_client()
        token = CSRF.search(client.get("/auth/dev-login").get_data(as_text=True))
        response = client.post("/auth/dev-login", data={"csrf_token": token.group(1), "employee": number})
        assert response.status_code == 302, (number, response.status_code)
        return client

    pages = [(employee, "/", "home"), (employee, "/leave/", "my leave"),
             (employee, f"/api/v1/leave/preview?leave_type=annual&start={day}&end={day}", "leave preview (API)"),
             (employee, f"/kb/a/{slug}", "article"), (employee, "/people/?q=김", "directory search"),
             (employee, "/kb/search?q=연차", "knowledge search 연차"),
             (employee, "/kb/search?q=신청 방법", "knowledge search 신청 방법"),
             (manager, "/approvals", "approval queue (manager)"), (hr, "/approvals", "approval queue (HR)"),
             (hr, "/api/v1/approvals?state=pending", "approval queue (HR, API)")]
    clients = {}
    print(f"{'page':28} {'status':>6} {'total ms':>9} {'SQL ms':>7} {'stmts':>5}  slowest statement")
    for who, path, name in pages:
        client = clients.get(who) or clients.setdefault(who, signed_in(who))
        client.get(path)
        totals, sql = [], []
        for _ in range(args.repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            totals.append((time.perf_counter() - started) * 1000)
            sql.append(sum(ms for ms, _ in statements))
        slowest = max(statements, default=(0, ""))
        print(f"{name:28} {response.status_code:>6} {statistics.median(totals):9.1f} {statistics.median(sql):7.1f} "
              f"{len(statements):>5}  {slowest[0]:.1f} ms {slowest[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
