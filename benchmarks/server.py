"""Serving the product for HTTP workloads: gunicorn (WSGI, gthread) pinned to CPU0 on a free
loopback port, load from a separate process pinned to CPU1 (wrk when installed, else
benchmarks.loadgen). Started and stopped by PID; nothing outlives the workload."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks import datasets

ROOT = datasets.ROOT
WRK = shutil.which("wrk")
TASKSET = shutil.which("taskset")
LUA = Path(__file__).with_name("wrk_report.lua")


def pinned(cpu: int, args: list[str]) -> list[str]:
    """Pin to one CPU when taskset exists and the machine has that CPU."""
    if TASKSET and (os.cpu_count() or 1) > cpu:
        return [TASKSET, "-c", str(cpu), *args]
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path
    description: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn master: graceful stop of its worker(s)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start(database_url: str, tmp: Path, *, workers: int = 1, threads: int = 4, cpu: int | None = 0,
          ready_path: str = "/bench/hello") -> Server:
    """gunicorn serving the product (+ /bench/hello) with persistent DB connections."""
    port = free_port()
    log = tmp / f"gunicorn-{port}.log"
    args = [sys.executable, "-m", "gunicorn", "cadretrain.config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread",
            "--threads", str(threads), "--keep-alive", "10", "--no-control-socket",
            "--timeout", "120", "--log-level", "warning", "--chdir", str(ROOT)]
    if cpu is not None:
        args = pinned(cpu, args)
    env = datasets.product_env(database_url, DJANGO_SETTINGS_MODULE="benchmarks.bench_settings")
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(proc, port, log, f"gunicorn gthread {workers} worker(s) × {threads} threads"
                    + (f", pinned to CPU{cpu}" if cpu is not None and TASKSET else ""))
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.url(ready_path), timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("gunicorn did not become ready within 60 s")


def wait_idle(server: Server, *, limit_s: float = 180) -> float:
    """Wait until the server has drained the backlog of the previous run (requests queued by
    clients that have gone keep running): two quick hellos in a row. Returns the seconds waited."""
    start = time.perf_counter()
    quick = 0
    while time.perf_counter() - start < limit_s and quick < 2:
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(server.url("/bench/hello"), timeout=60) as resp:
                resp.read()
            quick = quick + 1 if time.perf_counter() - t < 0.25 else 0
        except OSError:
            quick = 0
            time.sleep(0.2)
    return time.perf_counter() - start


def load(server: Server, path: str, *, concurrency: int, seconds: float, headers: dict[str, str],
         cpu: int = 1, use_wrk: bool = True) -> dict:
    """One bounded load run: rps, p50/p95/p99 in ms, non-2xx and socket errors. Starts only
    once the server is idle, so one slow endpoint's backlog is not charged to the next run."""
    drained = wait_idle(server)
    result = _load(server, path, concurrency=concurrency, seconds=seconds, headers=headers,
                   cpu=cpu, use_wrk=use_wrk)
    result["waited_idle_s"] = round(drained, 2)
    return result


def _load(server: Server, path: str, *, concurrency: int, seconds: float, headers: dict[str, str],
          cpu: int, use_wrk: bool) -> dict:
    if use_wrk and WRK:
        args = [WRK, "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                "-s", str(LUA)]
        for key, value in headers.items():
            args += ["-H", f"{key}: {value}"]
        args.append(server.url(path))
        proc = subprocess.run(pinned(cpu, args), capture_output=True, text=True,
                              timeout=seconds + 60)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed: {proc.stdout[-500:]} {proc.stderr[-500:]}")
        raw = json.loads(line[len("WRKJSON "):])
        secs = raw["duration_us"] / 1e6
        return {
            "tool": "wrk", "requests": raw["requests"], "rps": round(raw["requests"] / secs, 1),
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "non2xx": raw["status_errors"],
            "errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        }
    args = [sys.executable, "-m", "benchmarks.loadgen", "--port", str(server.port), "--path", path,
            "-c", str(concurrency), "--duration", str(seconds)]
    for key, value in headers.items():
        args += ["--header", f"{key}: {value}"]
    proc = subprocess.run(pinned(cpu, args), capture_output=True, text=True, cwd=ROOT,
                          timeout=seconds + 90)
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed: {proc.stderr[-1000:]}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    non2xx = sum(n for code, n in raw["statuses"].items() if not code.startswith("2"))
    return {"tool": "loadgen", "requests": raw["requests"], "rps": raw["rps"],
            "p50_ms": raw["p50_ms"], "p95_ms": raw["p95_ms"], "p99_ms": raw["p99_ms"],
            "max_ms": raw["max_ms"], "non2xx": non2xx, "errors": raw["errors"]}
