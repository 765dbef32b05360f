"""A small bounded HTTP load generator (keep-alive, one thread per client, loopback only).

Used for the enrolment race (every request carries a different body) and for http_load when
`wrk` is not installed. Bounded by --duration seconds AND --max-requests; prints one JSON line:
`{"requests", "seconds", "rps", "statuses": {code: n}, "p50_ms", "p95_ms", "p99_ms", "max_ms",
"errors": n, "locked": n, "samples": [...]}` where `locked` counts responses or exceptions that
mention "database is locked".

    python -m benchmarks.loadgen --port 8123 --path /api/v1/people -c 10 --duration 2 \
        --header "Authorization: Bearer …"
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import threading
import time


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def run(*, host: str, port: int, paths: list[str], method: str, headers: dict[str, str],
        concurrency: int, duration: float, max_requests: int, bodies: list[str] | None) -> dict:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    counter = itertools.count()
    deadline = time.perf_counter() + duration
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    samples: list[str] = []
    errors = 0
    locked = 0

    def client() -> None:
        nonlocal errors, locked
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        my_status: dict[int, int] = {}
        while time.perf_counter() < deadline:
            n = next(counter)
            if n >= max_requests or (bodies is not None and n >= len(bodies)):
                break
            path = paths[n % len(paths)]
            body = bodies[n].encode() if bodies is not None else None
            hdrs = dict(headers)
            if body is not None:
                hdrs["Content-Type"] = "application/json"
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors += 1
                    if "locked" in str(exc):
                        locked += 1
                    if len(samples) < 5:
                        samples.append(f"exception: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
            my_status[resp.status] = my_status.get(resp.status, 0) + 1
            if resp.status >= 500 or b"database is locked" in data:
                with lock:
                    if b"locked" in data:
                        locked += 1
                    if len(samples) < 5:
                        samples.append(f"{resp.status}: {data[:300].decode(errors='replace')}")
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, count in my_status.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    seconds = time.perf_counter() - start
    done = len(latencies)
    return {
        "requests": done, "seconds": round(seconds, 4), "rps": round(done / seconds, 1) if seconds else 0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(_percentile(latencies, 50) * 1000, 3),
        "p95_ms": round(_percentile(latencies, 95) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 3),
        "max_ms": round(max(latencies, default=0) * 1000, 3),
        "errors": errors, "locked": locked, "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", action="append", required=True, help="repeatable; round-robin")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("-c", "--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--bodies-file", help="JSON list of request bodies, one per request")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    bodies = None
    if args.bodies_file:
        with open(args.bodies_file, encoding="utf-8") as fh:
            bodies = [json.dumps(b) if not isinstance(b, str) else b for b in json.load(fh)]
    print(json.dumps(run(host=args.host, port=args.port, paths=args.path, method=args.method,
                         headers=headers, concurrency=args.concurrency, duration=args.duration,
                         max_requests=args.max_requests, bodies=bodies)))


if __name__ == "__main__":
    main()
