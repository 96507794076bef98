#!/usr/bin/env python3
"""Latency around an incident, from loadgen's CSV.

  windows.py OUT.csv INCIDENT_UNIX_MS [WINDOW_MS]

INCIDENT_UNIX_MS is when the incident happened (date +%s%3N); OUT.csv.t0 is when the run started.

Prints p50/p99 and failures per window, then a summary: the normal p99 (the second before the
incident), the p99 of the second that starts one second after it, their ratio, how long until
every later window's p99 stays within 2x of normal, and the failed requests.
"""
import csv
import sys


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    path = sys.argv[1]
    with open(path + ".t0") as f:
        incident = float(sys.argv[2]) - float(f.read().strip())
    window = float(sys.argv[3]) if len(sys.argv) > 3 else 250.0
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.append((float(r["start_ms"]), int(r["latency_us"]) / 1000.0, r["ok"] == "1"))
    end = max(r[0] for r in rows)
    print(f"{'window (ms from incident)':>28} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    t = incident - 1000.0
    per_window = []
    while t < end:
        sel = [r for r in rows if t <= r[0] < t + window]
        lat = [r[1] for r in sel]
        failed = sum(1 for r in sel if not r[2])
        per_window.append((t, pct(lat, 99)))
        print(f"{t - incident:>13.0f} .. {t + window - incident:>+8.0f} {len(sel):>9} {pct(lat, 50):>8.2f} "
              f"{pct(lat, 99):>8.2f} {failed:>7}")
        t += window
    normal = pct([r[1] for r in rows if incident - 1000 <= r[0] < incident], 99)
    after = pct([r[1] for r in rows if incident + 1000 <= r[0] < incident + 2000], 99)
    recovered = None
    for i, (start, p99) in enumerate(per_window):
        if start < incident:
            continue
        if all(w[1] <= 2 * normal for w in per_window[i:] if w[0] + window <= end):
            recovered = start + window - incident
            break
    total = len(rows)
    failed = sum(1 for r in rows if not r[2])
    print()
    print(f"normal p99 (1 s before)          {normal:.2f} ms")
    print(f"p99 from +1 s to +2 s            {after:.2f} ms  ({after / normal:.2f}x normal)")
    print(f"p99 within 2x of normal from     +{recovered:.0f} ms" if recovered is not None
          else "p99 never settled within 2x of normal")
    print(f"requests {total}, failed {failed}")


if __name__ == "__main__":
    main()
