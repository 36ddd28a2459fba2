"""The HTTP load of `benchmark api`: wrk (Debian's package) when it is installed, else a small
generator of its own (threads, one connection each, a request at a time), both reporting the
same figures."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mallbots.kernel.ops.figures import percentile

WRK = "wrk"


@dataclass
class Load:
    requests: int
    seconds: float
    errors: int  # non-2xx answers and socket errors
    p50: float  # seconds
    p99: float
    client: str
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def status(url: str, token: str) -> int:
    """The status of one GET with the token."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
    try:
        conn.request("GET", parts.path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def client_available(name: str) -> bool:
    return name == "python" or shutil.which(WRK) is not None


def run(url: str, token: str, *, seconds: float, connections: int, client: str) -> Load:
    if client == "wrk":
        return run_wrk(url, token, seconds=seconds, connections=connections)
    return run_python(url, token, seconds=seconds, connections=connections)


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _duration(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """The figures of `wrk --latency` output."""
    requests = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (requests and p50 and p99):
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Load(
        requests=int(requests.group(1)),
        seconds=_duration(requests.group(2) + requests.group(3)),
        errors=errors,
        p50=_duration(p50.group(1)),
        p99=_duration(p99.group(1)),
        client="wrk",
    )


def run_wrk(url: str, token: str, *, seconds: float, connections: int) -> Load:
    threads = max(1, min(2, connections))
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-H", f"Authorization: Token {token}", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def run_python(url: str, token: str, *, seconds: float, connections: int) -> Load:
    """`connections` threads, each sending a request at a time until the time is up; gunicorn's
    sync workers close every connection, so each request opens its own, as wrk's do then."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Authorization": f"Token {token}"}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start = time.perf_counter()
    deadline = start + seconds

    def work(index: int) -> None:
        mine = latencies[index]
        while (t0 := time.perf_counter()) < deadline:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    errors[index] += 1
            except OSError:
                errors[index] += 1
            finally:
                conn.close()
            mine.append(time.perf_counter() - t0)

    pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - start
    every = [x for mine in latencies for x in mine]
    return Load(
        requests=len(every),
        seconds=elapsed,
        errors=sum(errors),
        p50=percentile(every, 50),
        p99=percentile(every, 99),
        client="python",
        latencies=every,
    )
