"""Locust load: employees, managers and HR people signed in through the dev sign-in, on the pages that matter.

Run by bench/run.py (which also starts gunicorn and samples memory); `BENCH_TARGETS` names a JSON file of
who signs in and what they open, `BENCH_SQL_OUT` where the X-SQL-Statements counts per page are written.
Each simulated person signs out and in as someone else every SWITCH_EVERY requests, so thousands of
different people are served during a run, not sixteen.
"""
from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict

from locust import FastHttpUser, between, events, task

TARGETS = json.load(open(os.environ["BENCH_TARGETS"], encoding="utf-8"))
WAIT = [float(x) for x in os.environ.get("BENCH_WAIT", "0,0").split(",")]
SWITCH_EVERY = 25
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SQL: dict[str, list[int]] = defaultdict(list)


@events.request.add_listener
def _count_sql(name, response, exception, **kwargs):
    if response is not None and getattr(response, "headers", None):
        value = response.headers.get("X-SQL-Statements")
        if value is not None:
            SQL[name].append(int(value))


@events.quitting.add_listener
def _write_sql(environment, **kwargs):
    path = os.environ.get("BENCH_SQL_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({name: sorted(counts) for name, counts in SQL.items()}, out)


class Person(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    pool = "employees"

    def on_start(self):
        self.sign_in()

    def sign_in(self):
        self.client.cookiejar.clear()
        who = random.choice(TARGETS[self.pool])
        page = self.client.get("/auth/dev-login", name="sign-in")
        token = CSRF.search(page.text or "")
        self.client.post("/auth/dev-login", data={"csrf_token": token.group(1) if token else "", "employee": who},
                         name="sign-in", allow_redirects=False)
        self.served = 0

    def open(self, url: str, name: str):
        if self.served >= SWITCH_EVERY:
            self.sign_in()
        self.served += 1
        # Redirects are failures here: a page that sends a signed-in person to sign in is an error.
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Employee(Person):
    weight = 10

    @task(3)
    def home(self):
        self.open("/", "home")

    @task(2)
    def my_leave(self):
        self.open("/leave/", "my leave")

    @task(2)
    def leave_preview(self):
        start = random.choice(TARGETS["working_days"])
        end = TARGETS["working_days"][min(TARGETS["working_days"].index(start) + random.randrange(0, 3),
                                          len(TARGETS["working_days"]) - 1)]
        self.open(f"/api/v1/leave/preview?leave_type=annual&start={start}&end={end}", "leave preview (API)")

    @task(2)
    def article(self):
        self.open(f"/kb/a/{random.choice(TARGETS['articles'])}", "article")

    @task(2)
    def directory(self):
        self.open(f"/people/?q={random.choice(TARGETS['directory_queries'])}", "directory search")

    @task(2)
    def knowledge_search(self):
        self.open(f"/kb/search?q={random.choice(TARGETS['search_queries'])}", "knowledge search")


class Manager(Person):
    weight = 4
    pool = "managers"

    @task(3)
    def queue(self):
        self.open("/approvals", "approval queue (manager)")

    @task(1)
    def home(self):
        self.open("/", "home")


class HR(Person):
    weight = 2
    pool = "hr"

    @task(3)
    def queue(self):
        self.open("/approvals", "approval queue (HR)")

    @task(1)
    def queue_api(self):
        self.open("/api/v1/approvals?state=pending", "approval queue (HR, API)")
