"""`make bench`: every benchmark, each in its own process, then their ratios together.

.venv/bin/python -m bench [intake delivery interactivity memory digest similarity spikes]
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = ["intake", "delivery", "interactivity", "memory", "digest", "similarity", "spikes"]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    ratios, failed, started = [], [], time.monotonic()
    for name in chosen:
        print(f"\n=== bench.{name} ===", flush=True)
        began = time.monotonic()
        run = subprocess.run([sys.executable, "-m", f"bench.{name}"], stdout=subprocess.PIPE, text=True)
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
