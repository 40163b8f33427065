"""Run the benchmark the way production runs the portal: gunicorn, 2 workers, PostgreSQL, Redis.

    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench10k \
        --name n10000 [--users 16] [--duration 120] [--soak]

Starts the tokeniser (`flask --app wsgi ess tokeniser`, which holds Kiwi; --no-tokeniser: Kiwi in each worker
instead) and gunicorn on a free port (dev sign-in on, ESS_ENV=development, ESS_BENCH_SQL_COUNT=1), warms it up,
drives it with Locust (bench/.venv, see bench/README.md) while sampling each worker's memory and the
database's connection count, then writes bench/results/NAME.json and NAME.md and prints the table.
Exit code 1 when a budget is missed.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
RESULTS = BENCH / "results"
LOCUST = BENCH / ".venv" / "bin" / "locust"

# Budgets for 10,000 employees on 2 cores with 16 clients (issue #10).
P95_MS = 50
P95_SEARCH_MS = 30
MAX_RSS_MB = 150
MAX_SQL = 10
BUDGETED = ["home", "my leave", "leave preview (API)", "approval queue (manager)", "approval queue (HR)",
            "approval queue (HR, API)", "article", "directory search", "knowledge search"]
SEARCH_QUERIES = ["연차", "휴가 신청", "급여명세서", "VPN 접속", "노트북 교체", "병가 진단서", "복지포인트", "비밀번호",
                  "재택근무", "연말정산", "경조사 휴가", "출장비 정산", "신청 방법", "문의", "password", "VPN", "payslip"]
DIRECTORY_QUERIES = ["김", "이서", "민준", "박", "영업", "IT운영팀", "kim", "park", "E1001", "지현", "인사팀"]


def targets(database_url: str, sample: int, seed: int) -> dict:
    """Who signs in and what they open, read from the seeded database (same seed, same choice)."""
    sys.path.insert(0, str(PROJECT))
    os.environ["ESS_DATABASE_URL"] = database_url
    from sqlalchemy import func, select

    from ess import clock, create_app
    from ess.approvals.models import ApprovalStep, StepState
    from ess.db import db
    from ess.knowledge.models import Article
    from ess.leave.policy import leave_policy
    from ess.people.models import Employee, EmployeeRole

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        everyone = list(db.session.scalars(select(Employee.employee_no).order_by(Employee.id)))
        managers = list(db.session.scalars(
            select(Employee.employee_no).join(ApprovalStep, ApprovalStep.decider_id == Employee.id)
            .where(ApprovalStep.state == StepState.pending).group_by(Employee.employee_no)
            .order_by(Employee.employee_no)))
        hr = list(db.session.scalars(select(Employee.employee_no).join(EmployeeRole)
                                     .where(EmployeeRole.role == "hr").order_by(Employee.employee_no)))
        slugs = list(db.session.scalars(select(Article.slug).order_by(Article.id)))
        pending_hr = db.session.scalar(select(func.count(ApprovalStep.id)).where(
            ApprovalStep.state == StepState.pending, ApprovalStep.role == "hr"))
        calendar = leave_policy().calendar_for(None)
        day, working = clock.today() + timedelta(days=7), []
        while len(working) < 40:
            if calendar.is_working_day(day):
                working.append(day.isoformat())
            day += timedelta(days=1)
        db.engine.dispose()
    return {"employees": rng.sample(everyone, min(sample, len(everyone))), "managers": managers, "hr": hr,
            "articles": rng.sample(slugs, min(sample, len(slugs))), "working_days": working,
            "search_queries": SEARCH_QUERIES, "directory_queries": DIRECTORY_QUERIES,
            "counts": {"employees": len(everyone), "managers_with_pending": len(managers), "hr": len(hr),
                       "articles": len(slugs), "pending_for_hr": pending_hr}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS", source: str = "status") -> float | None:
    """VmRSS / VmHWM (peak) from status; Pss from smaps_rollup (shared pages divided among their users)."""
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def workers_of(master: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


class Sampler(threading.Thread):
    """Every few seconds: each worker's resident memory and the database's open connections."""

    def __init__(self, master: int, database_url: str, every: float = 5.0):
        super().__init__(daemon=True)
        self.master, self.every, self.stop = master, every, threading.Event()
        self.samples: list[dict] = []
        self.peak: dict[int, float] = {}
        self.dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.postgres = database_url.startswith("postgresql")

    def connections(self) -> int | None:
        if not self.postgres:
            return None
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()").fetchone()[0]

    def run(self):
        started = time.monotonic()
        while not self.stop.is_set():
            pids = workers_of(self.master)
            rss = {pid: rss_mb(pid) for pid in pids}
            pss = {pid: rss_mb(pid, "Pss", "smaps_rollup") for pid in pids}
            for pid in pids:
                peak = rss_mb(pid, "VmHWM")
                if peak:
                    self.peak[pid] = max(self.peak.get(pid, 0), peak)
            self.samples.append({"t": round(time.monotonic() - started), "rss_mb": {str(k): round(v or 0, 1)
                                                                                   for k, v in rss.items()},
                                 "pss_mb": {str(k): round(v or 0, 1) for k, v in pss.items()},
                                 "db_connections": self.connections()})
            self.stop.wait(self.every)


def start_tokeniser(database_url: str, socket_path: Path, log: Path) -> subprocess.Popen:
    """The Kiwi service next to gunicorn, as the README's deployment runs it; returns once it answers."""
    socket_path.unlink(missing_ok=True)
    env = {**os.environ, "ESS_DATABASE_URL": database_url, "ESS_ENV": "development"}
    process = subprocess.Popen([str(PROJECT / ".venv" / "bin" / "flask"), "--app", "wsgi", "ess", "tokeniser",
                                "--socket", str(socket_path)], cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log.open("w"), start_new_session=True)
    for _ in range(120):
        if process.poll() is not None:
            break
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(socket_path))
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the tokeniser did not answer on {socket_path}: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_gunicorn(database_url: str, port: int, workers: int, redis_url: str, log: Path,
                   preload: bool = False, tokeniser_url: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "ESS_DATABASE_URL": database_url, "ESS_ENV": "development", "ESS_DEV_LOGIN": "1",
           "ESS_SECRET_KEY": secrets.token_urlsafe(48), "ESS_REDIS_URL": redis_url, "ESS_BENCH_SQL_COUNT": "1",
           # Every simulated person signs in from 127.0.0.1: the per-address sign-in limit would refuse them.
           "ESS_LOGIN_RATE_LIMIT": "100000 per minute"}
    env.pop("ESS_TODAY", None) if "ESS_TODAY" not in os.environ else None
    env.pop("ESS_TOKENISER_URL", None)
    if tokeniser_url:
        env["ESS_TOKENISER_URL"] = tokeniser_url
    command = [str(PROJECT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
               *(["-c", str(BENCH / "gunicorn_preload.py")] if preload else []), "wsgi:app"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
                               start_new_session=True)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"gunicorn did not answer /healthz: {log.read_text()[-2000:]}")


def run_locust(port: int, users: int, seconds: int, wait: str, targets_file: Path, out: Path) -> Path:
    env = {**os.environ, "BENCH_TARGETS": str(targets_file), "BENCH_SQL_OUT": str(out / "sql.json"),
           "BENCH_WAIT": wait}
    command = [str(LOCUST), "-f", str(BENCH / "locustfile.py"), "--headless", "-u", str(users), "-r", str(users),
               "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(out / "locust"),
               "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
    subprocess.run(command, env=env, cwd=BENCH, check=False, stdout=subprocess.DEVNULL)
    return out


def read_stats(out: Path, seconds: int) -> dict:
    pages = {}
    with open(out / "locust_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            requests = int(row["Request Count"])
            pages[row["Name"]] = {"requests": requests, "failures": int(row["Failure Count"]),
                                  "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                                  "p99_ms": float(row["99%"]), "rps": round(float(row["Requests/s"]), 1)}
    failures = []
    failures_file = out / "locust_failures.csv"
    if failures_file.exists():
        with open(failures_file, encoding="utf-8") as found:
            failures = [{"page": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(found)]
    sql = json.loads((out / "sql.json").read_text()) if (out / "sql.json").exists() else {}
    for name, counts in sql.items():
        if name in pages and counts:
            pages[name]["sql_min"], pages[name]["sql_max"] = min(counts), max(counts)
    return {"pages": pages, "failures": failures}


def judge(result: dict) -> list[str]:
    missed = []
    for name in BUDGETED:
        page = result["pages"].get(name)
        if page is None:
            missed.append(f"{name}: not measured")
            continue
        limit = P95_SEARCH_MS if name == "knowledge search" else P95_MS
        if page["p95_ms"] > limit:
            missed.append(f"{name}: p95 {page['p95_ms']:g} ms > {limit} ms")
        if page.get("sql_max", 0) > MAX_SQL:
            missed.append(f"{name}: {page['sql_max']} SQL statements > {MAX_SQL}")
    total = result["pages"].get("Aggregated", {})
    if total.get("failures"):
        missed.append(f"{total['failures']} failed requests")
    for pid, peak in result["workers_peak_rss_mb"].items():
        if peak > MAX_RSS_MB:
            missed.append(f"worker {pid}: peak RSS {peak:.0f} MB > {MAX_RSS_MB} MB")
    if result.get("worker_restarts"):
        missed.append(f"{result['worker_restarts']} worker(s) restarted (see gunicorn_log_tail)")
    for name, page in result.get("sql_compared_with", {}).get("pages", {}).items():
        if not page["same"]:
            missed.append(f"{name}: at most {page['now'][1]} SQL statements here, {page['before'][1]} at "
                          f"{result['sql_compared_with']['employees']} employees")
    soak = result.get("soak")
    if soak and not soak["ok"]:
        missed.append(f"soak: {soak['verdict']}")
    return missed


def compare_sql(earlier: dict, now: dict) -> dict:
    """Statements per page here and in an earlier run on a smaller company: the budget wants them equal."""
    pages = {}
    for name in BUDGETED:
        before, after = earlier["pages"].get(name, {}), now["pages"].get(name, {})
        pages[name] = {"before": [before.get("sql_min"), before.get("sql_max")],
                       "now": [after.get("sql_min"), after.get("sql_max")]}
        # The most a page ever needed: which requests hit a one-off statement (the first after sign-in, a
        # flash message) varies from run to run, the worst case should not grow with the company.
        pages[name]["same"] = pages[name]["before"][1] == pages[name]["now"][1]
    return {"run": earlier["name"], "employees": earlier["data"]["employees"], "pages": pages}


def soak_verdict(samples: list[dict]) -> dict:
    """Memory flat and connections stable over the run, warm-up minute excluded."""
    settled = [s for s in samples if s["t"] >= 60] or samples
    first, last = settled[: max(1, len(settled) // 10)], settled[-max(1, len(settled) // 10):]

    def mean_rss(chunk):
        values = [v for s in chunk for v in s["rss_mb"].values()]
        return sum(values) / max(1, len(values))

    growth = mean_rss(last) - mean_rss(first)
    connections = [s["db_connections"] for s in settled if s["db_connections"] is not None]
    spread = (max(connections) - min(connections)) if connections else 0
    ok = growth <= 10 and spread <= 4 and (not connections or max(connections) <= 2 * 15)
    return {"ok": ok, "rss_growth_mb": round(growth, 1), "rss_first_mb": round(mean_rss(first), 1),
            "rss_last_mb": round(mean_rss(last), 1), "db_connections_min": min(connections, default=None),
            "db_connections_max": max(connections, default=None),
            "verdict": (f"worker memory {mean_rss(first):.0f} → {mean_rss(last):.0f} MB ({growth:+.1f} MB), "
                        f"database connections {min(connections, default=0)}–{max(connections, default=0)}")}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "kernel": platform.release()}


def table(result: dict) -> str:
    lines = ["| page | requests | p50 ms | p95 ms | p99 ms | req/s | failures | SQL statements |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, page in sorted(result["pages"].items(), key=lambda item: (item[0] == "Aggregated", item[0])):
        sql = "" if "sql_min" not in page else (f"{page['sql_min']}" if page["sql_min"] == page["sql_max"]
                                                else f"{page['sql_min']}–{page['sql_max']}")
        lines.append(f"| {name} | {page['requests']} | {page['p50_ms']:g} | {page['p95_ms']:g} | {page['p99_ms']:g} "
                     f"| {page['rps']:g} | {page['failures']} | {sql} |")
    peaks = ", ".join(f"{v:.0f} MB" for v in result["workers_peak_rss_mb"].values())
    pss = ", ".join(f"{v:.0f} MB" for v in result.get("workers_last_pss_mb", {}).values())
    lines += ["", f"Peak resident memory (RSS) per worker: {peaks}; proportional share (PSS) at the end: {pss}"
              f"{' (app and Kiwi preloaded in the master)' if result.get('preload') else ''}"
              + (f"; the tokeniser process (Kiwi): {result['tokeniser_peak_rss_mb']:.0f} MB"
                 if result.get("tokeniser_peak_rss_mb") else "; no tokeniser process: Kiwi in every worker")
              + f". Load average before/after: {result['load_before']} / {result['load_after']}."]
    if result.get("soak"):
        lines.append(f"Soak: {result['soak']['verdict']} — {'ok' if result['soak']['ok'] else 'NOT OK'}.")
    compared = result.get("sql_compared_with")
    if compared:
        same = [name for name, page in compared["pages"].items() if page["same"]]
        lines.append(f"SQL statements per page equal to the run at {compared['employees']} employees for "
                     f"{len(same)} of {len(compared['pages'])} pages.")
    lines.append("Budgets: " + ("all met" if not result["missed"] else "; ".join(result["missed"])))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--name", required=True, help="results go to bench/results/NAME.json and NAME.md")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=int, default=120, help="seconds measured (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of load before measuring (not recorded)")
    parser.add_argument("--wait", default="0,0", help="think time per simulated person, 'MIN,MAX' seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--soak", action="store_true", help="ten minutes; also judge memory and connections")
    parser.add_argument("--sample", type=int, default=3000, help="how many different employees sign in")
    parser.add_argument("--preload", action="store_true",
                        help="load the app and Kiwi in gunicorn's master, shared by the workers (bench/gunicorn_preload.py)")
    parser.add_argument("--compare", help="NAME of an earlier run (e.g. at 100 people): SQL statements must match")
    parser.add_argument("--no-tokeniser", action="store_true",
                        help="no tokeniser process: every worker loads its own Kiwi (the setup before issue #10)")
    args = parser.parse_args()
    if args.preload and not args.no_tokeniser:
        parser.error("--preload shares the Kiwi loaded in gunicorn's master: use it with --no-tokeniser")
    if args.soak and args.duration == 120:
        args.duration = 600
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} is missing: python3 -m venv bench/.venv && "
                         "bench/.venv/bin/pip install -r bench/requirements.txt")

    RESULTS.mkdir(exist_ok=True)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"ess-bench-{args.name}"
    work.mkdir(parents=True, exist_ok=True)
    chosen = targets(args.database_url, args.sample, seed=1)
    (work / "targets.json").write_text(json.dumps(chosen, ensure_ascii=False))
    port = free_port()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    tokeniser = None if args.no_tokeniser else start_tokeniser(args.database_url, work / "tokeniser.sock",
                                                               work / "tokeniser.log")
    try:
        server = start_gunicorn(args.database_url, port, args.workers, args.redis_url, work / "gunicorn.log",
                                preload=args.preload,
                                tokeniser_url=tokeniser and f"unix://{work / 'tokeniser.sock'}")
    except BaseException:
        if tokeniser:
            stop(tokeniser)
        raise
    try:
        if args.warmup:
            warm = work / "warmup"
            warm.mkdir(exist_ok=True)
            run_locust(port, args.users, args.warmup, args.wait, work / "targets.json", warm)
        sampler = Sampler(server.pid, args.database_url, every=5.0)
        sampler.start()
        started = datetime.now(timezone.utc)
        run_locust(port, args.users, args.duration, args.wait, work / "targets.json", work)
        sampler.stop.set()
        sampler.join()
        tokeniser_peak = rss_mb(tokeniser.pid, "VmHWM") if tokeniser else None
    finally:
        stop(server)
        if tokeniser:
            stop(tokeniser)
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    result = {"name": args.name, "started_at": started.isoformat(timespec="seconds"), "machine": machine(),
              "database": args.database_url.split("@")[-1].split("://")[-1], "data": chosen["counts"],
              "users": args.users, "workers": args.workers, "preload": args.preload, "duration_s": args.duration, "warmup_s": args.warmup,
              "wait_s": args.wait, "load_before": load_before, "load_after": load_after,
              **read_stats(work, args.duration),
              "workers_peak_rss_mb": {str(pid): round(v, 1) for pid, v in sampler.peak.items()},
              "workers_last_pss_mb": sampler.samples[-1].get("pss_mb", {}) if sampler.samples else {},
              "tokeniser": tokeniser is not None,
              "tokeniser_peak_rss_mb": round(tokeniser_peak, 1) if tokeniser_peak else None,
              "worker_restarts": max(0, len(sampler.peak) - args.workers),
              "gunicorn_log_tail": (work / "gunicorn.log").read_text(errors="replace").splitlines()[-20:],
              "samples": sampler.samples}
    if args.soak:
        result["soak"] = soak_verdict(sampler.samples)
    if args.compare:
        result["sql_compared_with"] = compare_sql(json.loads((RESULTS / f"{args.compare}.json").read_text()), result)
    result["missed"] = judge(result)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    text = f"## {args.name} — {started:%Y-%m-%d %H:%M} UTC\n\n" + table(result) + "\n"
    (RESULTS / f"{args.name}.md").write_text(text)
    print(text)
    return 1 if result["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
