"""`make bench`: every benchmark, each in its own process, then their ratios together.

.venv/bin/python -m bench [NAME ...]     e.g. `python -m bench delivery-5xx clicks`; `python -m bench memory-100k`
runs the 100,000-alert memory run, which `make bench` leaves out (`make bench BENCH_ARGS=memory-100k` runs it).
"""

from __future__ import annotations

import subprocess
import sys
import time

# name -> the module and its arguments
RUNS = {
    "intake": ["bench.intake"],
    "delivery": ["bench.delivery"],
    "delivery-5xx": ["bench.delivery", "--alerts", "20", "--channels", "1", "--server-errors", "0.1"],
    "interactivity": ["bench.interactivity"],
    "clicks": ["bench.click_latency"],
    "memory": ["bench.memory"],
    "memory-100k": ["bench.memory", "--alerts", "100000"],
    "replicas": ["bench.replicas"],  # PostgreSQL: only with LOOPKEEPER_BENCH_POSTGRES_URL set
    "digest": ["bench.digest"],
    "similarity": ["bench.similarity"],
    "spikes": ["bench.spikes"],
}
DEFAULT = [
    "intake",
    "replicas",
    "delivery",
    "delivery-5xx",
    "interactivity",
    "clicks",
    "memory",
    "digest",
    "similarity",
    "spikes",
]


def main(argv: list[str]) -> int:
    chosen = argv or DEFAULT
    unknown = [name for name in chosen if name not in RUNS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(RUNS)}", file=sys.stderr)
        return 2
    ratios, failed, started = [], [], time.monotonic()
    for name in chosen:
        module, *args = RUNS[name]
        print(f"\n=== {name}: python -m {' '.join(RUNS[name])} ===", flush=True)
        began = time.monotonic()
        run = subprocess.run([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, text=True)
        sys.stdout.write(run.stdout)
        lines = [line for line in run.stdout.splitlines() if line.startswith("RATIO ")]
        ratios.append((lines[-1] if lines else f"RATIO {name}: none printed") + f"  [{time.monotonic() - began:.0f} s]")
        if run.returncode != 0 or not lines:
            failed.append(name)
    print(f"\n=== summary ({time.monotonic() - started:.0f} s) ===")
    print("\n".join(ratios))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
