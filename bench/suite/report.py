"""Turns one run of bench/run.sh into OUT.md (medians, ratios, the targets) and OUT.json (every run,
the medians, the ratios, the targets), from the run's WORK directory:

    python3 bench/suite/report.py WORK OUT      # WORK/samples.tsv, WORK/meta.json, WORK/metrics/

Medians are over the rounds; a ratio is taken between medians of the same run. non-2xx and socket
errors are summed over the rounds (any is worth seeing).
"""
import csv
import json
import re
import statistics
import sys
from collections import defaultdict

# The targets (docs/benchmarks.md, "Performance suite").
PROXY_RPS_RATIO = 0.8        # mosaic / nginx proxy_pass, 64 connections
PROXY_ADDED_P50_MS = 0.100   # mosaic p50 - direct p50, 1 connection
DASHBOARD_RPS_RATIO = 0.2    # dashboard / direct, 64 connections
DASHBOARD_P99_MS = 10.0
DASHBOARD_CPU_US = 50.0
DASHBOARD_RSS_MB = 100.0
FANOUT_TOLERANCE = 1.25      # the last per-step increment may exceed the first by this (noise)

NUMERIC = ["rps", "p50_ms", "p90_ms", "p99_ms", "requests", "non2xx", "errors", "cpu_us",
           "downstream_cpu_us", "rss_kb"]
SCENARIO_ORDER = ["direct-c1", "proxy-c1", "direct-c64", "proxy-c64", "dashboard", "fanout-2",
                  "fanout-6", "fanout-12", "fanout-24", "chain-4", "payload-1k", "payload-100k",
                  "payload-1m"]
METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def read_samples(path):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        row["round"] = int(row["round"])
        row["conns"] = int(row["conns"])
        for key in NUMERIC:
            row[key] = float(row[key]) if row[key] not in ("", None) else None
    return rows


def read_metrics(path):
    """Prometheus text -> {(name, frozenset(labels)): value}."""
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                m = METRIC_LINE.match(line.strip())
                if not m:
                    continue
                labels = frozenset(LABEL.findall(m.group(2) or ""))
                try:
                    values[(m.group(1), labels)] = float(m.group(3))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return values


def metrics_delta(work, tag, requests):
    """What mosaicd's own counters saw over one measured window."""
    before = read_metrics(f"{work}/metrics/{tag}.before")
    after = read_metrics(f"{work}/metrics/{tag}.after")
    delta = defaultdict(float)
    for key, value in after.items():
        delta[key] = value - before.get(key, 0.0)
    calls, failed, cache, shed = 0.0, defaultdict(float), defaultdict(float), 0.0
    for (name, labels), value in delta.items():
        labels = dict(labels)
        if name == "mosaic_step_calls_total":
            calls += value
            if labels.get("outcome") != "ok" and value:
                failed[f'{labels.get("downstream", "?")}:{labels.get("outcome", "?")}'] += value
        elif name == "mosaic_cache_lookups_total" and value:
            cache[f'{labels.get("step", "?")}:{labels.get("result", "?")}'] += value
        elif name == "mosaic_bulkhead_shed_total":
            shed += value
    return {
        "downstream_calls": calls,
        "calls_per_request": calls / requests if requests else None,
        "failed_calls": dict(failed),
        "cache_lookups": dict(cache),
        "bulkhead_shed": shed,
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(rows):
    groups = defaultdict(list)
    for row in rows:
        groups[(row["scenario"], row["contender"])].append(row)
    medians = {}
    for (scenario, contender), runs in groups.items():
        m = {key: median([r[key] for r in runs]) for key in NUMERIC}
        m["non2xx"] = sum(r["non2xx"] or 0 for r in runs)
        m["errors"] = sum(r["errors"] or 0 for r in runs)
        m["rss_kb"] = max(r["rss_kb"] or 0 for r in runs)  # the peak over the whole run
        m["conns"] = runs[0]["conns"]
        m["rounds"] = len(runs)
        m["rps_by_round"] = [r["rps"] for r in sorted(runs, key=lambda r: r["round"])]
        m["cpu_us_by_round"] = [r["cpu_us"] for r in sorted(runs, key=lambda r: r["round"])]
        if runs[0].get("mosaic_metrics"):
            mm = [r["mosaic_metrics"] for r in runs]
            m["calls_per_request"] = median([x["calls_per_request"] for x in mm])
            failed, cache = defaultdict(float), defaultdict(float)
            for x in mm:
                for k, v in x["failed_calls"].items():
                    failed[k] += v
                for k, v in x["cache_lookups"].items():
                    cache[k] += v
            m["failed_calls"] = dict(failed)
            m["cache_lookups"] = dict(cache)
            m["bulkhead_shed"] = sum(x["bulkhead_shed"] for x in mm)
        medians.setdefault(scenario, {})[contender] = m
    return medians


def get(medians, scenario, contender, key):
    return medians.get(scenario, {}).get(contender, {}).get(key)


def paired(rows, a, b, key):
    """Per round, a's key minus b's (a and b are (scenario, contender)); the median of those."""
    by = {(r["round"], r["scenario"], r["contender"]): r[key] for r in rows}
    diffs = [by[(rnd, *a)] - by[(rnd, *b)] for rnd in sorted({r["round"] for r in rows})
             if by.get((rnd, *a)) is not None and by.get((rnd, *b)) is not None]
    return (statistics.median(diffs) if diffs else None), diffs


def ratio(a, b):
    return a / b if a is not None and b else None


def analyse(rows, medians):
    ratios, targets = {}, []

    def target(name, wanted, value, met, unit=""):
        targets.append({"target": name, "wanted": wanted, "value": value, "unit": unit,
                        "met": None if value is None else bool(met)})

    r = ratio(get(medians, "proxy-c64", "mosaic", "rps"), get(medians, "proxy-c64", "nginx-proxy", "rps"))
    ratios["proxy_c64_rps_mosaic_over_nginx"] = r
    ratios["proxy_c64_cpu_mosaic_over_nginx"] = ratio(get(medians, "proxy-c64", "mosaic", "cpu_us"),
                                                      get(medians, "proxy-c64", "nginx-proxy", "cpu_us"))
    target("proxy: throughput vs nginx proxy_pass (64 connections)", f">= {PROXY_RPS_RATIO}x", r,
           r is not None and r >= PROXY_RPS_RATIO, "x")
    added, diffs = paired(rows, ("proxy-c1", "mosaic"), ("direct-c1", "nginx"), "p50_ms")
    added_nginx, diffs_nginx = paired(rows, ("proxy-c1", "nginx-proxy"), ("direct-c1", "nginx"), "p50_ms")
    ratios["proxy_c1_added_p50_ms_mosaic"] = added
    ratios["proxy_c1_added_p50_ms_mosaic_by_round"] = diffs
    ratios["proxy_c1_added_p50_ms_nginx"] = added_nginx
    ratios["proxy_c1_added_p50_ms_nginx_by_round"] = diffs_nginx
    target("proxy: added p50 over direct (1 connection)", f"< {PROXY_ADDED_P50_MS * 1000:.0f} us",
           None if added is None else added * 1000, added is not None and added < PROXY_ADDED_P50_MS, "us")

    r = ratio(get(medians, "dashboard", "mosaic", "rps"), get(medians, "direct-c64", "nginx", "rps"))
    ratios["dashboard_rps_over_direct"] = r
    target("dashboard: req/s vs direct (64 connections)", f">= {DASHBOARD_RPS_RATIO}x", r,
           r is not None and r >= DASHBOARD_RPS_RATIO, "x")
    v = get(medians, "dashboard", "mosaic", "p99_ms")
    target("dashboard: p99 at 64 connections", f"< {DASHBOARD_P99_MS:g} ms", v,
           v is not None and v < DASHBOARD_P99_MS, "ms")
    v = get(medians, "dashboard", "mosaic", "cpu_us")
    target("dashboard: mosaicd CPU per request", f"< {DASHBOARD_CPU_US:g} us", v,
           v is not None and v < DASHBOARD_CPU_US, "us")
    v = get(medians, "dashboard", "mosaic", "rss_kb")
    v = None if v is None else v / 1024
    target("dashboard: mosaicd peak RSS", f"< {DASHBOARD_RSS_MB:g} MB", v,
           v is not None and v < DASHBOARD_RSS_MB, "MB")

    ns = [n for n in (2, 6, 12, 24) if get(medians, f"fanout-{n}", "mosaic", "cpu_us") is not None]
    if len(ns) >= 3:
        cpu = {n: get(medians, f"fanout-{n}", "mosaic", "cpu_us") for n in ns}
        per_step = {n: cpu[n] / n for n in ns}
        increments = [((b - a), (cpu[b] - cpu[a]) / (b - a)) for a, b in zip(ns, ns[1:])]
        n_bar = statistics.mean(ns)
        c_bar = statistics.mean(cpu.values())
        slope = sum((n - n_bar) * (cpu[n] - c_bar) for n in ns) / sum((n - n_bar) ** 2 for n in ns)
        intercept = c_bar - slope * n_bar
        ratios["fanout_cpu_us"] = cpu
        ratios["fanout_cpu_us_per_step"] = per_step
        ratios["fanout_cpu_us_increment_per_added_step"] = {
            f"{a}->{b}": inc for (a, b), (_, inc) in zip(zip(ns, ns[1:]), increments)}
        ratios["fanout_fit_us"] = {"fixed": intercept, "per_step": slope}
        first, last = increments[0][1], increments[-1][1]
        grow = last / first if first > 0 else None
        ratios["fanout_last_over_first_increment"] = grow
        target("fanout: CPU per request no worse than linear in N",
               f"cost per added step at {ns[-2]}->{ns[-1]} <= {FANOUT_TOLERANCE}x at {ns[0]}->{ns[1]}",
               grow, grow is not None and grow <= FANOUT_TOLERANCE, "x")

    for size in ("1k", "100k", "1m"):
        s = f"payload-{size}"
        if s in medians:
            ratios[f"{s}_rps_mosaic_over_direct"] = ratio(get(medians, s, "mosaic", "rps"),
                                                          get(medians, s, "nginx", "rps"))
            ratios[f"{s}_added_p50_ms"] = paired(rows, (s, "mosaic"), (s, "nginx"), "p50_ms")[0]
    if "chain-4" in medians and "fanout-6" in medians:
        ratios["chain4_p50_over_fanout6_p50"] = ratio(get(medians, "chain-4", "mosaic", "p50_ms"),
                                                      get(medians, "fanout-6", "mosaic", "p50_ms"))
    return ratios, targets


def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer() and digits == 0:
        return f"{int(v)}"
    return f"{v:.{digits}f}"


def markdown(meta, rows, medians, ratios, targets):
    s = meta["settings"]
    m = meta["machine"]
    out = []
    w = out.append
    w(f"# Performance suite: {meta['started'][:10]}{' (quick)' if meta['quick'] else ''}")
    w("")
    dirty = f" (+{meta['modified_files']} modified tracked files)" if meta["modified_files"] else ""
    w(f"- commit `{meta['commit']}`{dirty}; {meta['started']} to {meta['finished']}")
    w(f"- {s['rounds']} rounds x {s['duration_s']} s (warm-up {s['warmup_s']} s), contenders alternating, "
      "order reversed every other round; medians of the rounds")
    w(f"- {m['cpus']} CPUs; contenders pinned to cpu {s['server_cpu'] or '-'}, wrk/downstream nginx/"
      f"memcached to cpu {s['load_cpu'] or '-'}; nginx {meta['versions']['nginx']}, wrk "
      f"{meta['versions']['wrk']}, memcached {meta['versions']['memcached']}")
    w(f"- load average at start {' '.join(map(str, m['loadavg_start']))}, at end "
      f"{' '.join(map(str, m['loadavg_end']))}; before each round (load average, share of both cores busy "
      "with the suite idle): " + "; ".join(
          f"round {r['round']}: {r['loadavg'][0]} / {r['busy_percent_before']}%" for r in m["rounds"]))
    w("")
    w("## Targets")
    w("")
    w("| target | wanted | measured | met |")
    w("|---|---|---|---|")
    for t in targets:
        met = "-" if t["met"] is None else ("yes" if t["met"] else "**no**")
        w(f"| {t['target']} | {t['wanted']} | {fmt(t['value'])} {t['unit']} | {met} |")
    w("")
    w("## Scenarios (medians)")
    w("")
    w("| scenario | contender | conns | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | "
      "CPU us/req | downstream nginx CPU us/req | peak RSS MB | req/s by round | CPU us/req by round |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in SCENARIO_ORDER:
        for contender in ("nginx", "nginx-proxy", "mosaic"):
            x = medians.get(scenario, {}).get(contender)
            if not x:
                continue
            w(f"| {scenario} | {contender} | {x['conns']} | {fmt(x['rps'], 0)} | {fmt(x['p50_ms'], 3)} | "
              f"{fmt(x['p90_ms'], 3)} | {fmt(x['p99_ms'], 3)} | {int(x['non2xx'])} | {int(x['errors'])} | "
              f"{fmt(x['cpu_us'], 1)} | {fmt(x['downstream_cpu_us'], 1)} | {fmt(x['rss_kb'] / 1024, 1)} | "
              f"{', '.join(fmt(v, 0) for v in x['rps_by_round'])} | "
              f"{', '.join(fmt(v, 0) for v in x['cpu_us_by_round'])} |")
    w("")
    w("For `nginx` the CPU column is the downstream nginx itself (direct); for `nginx-proxy` the proxy's "
      "worker; for `mosaic` the whole mosaicd process (background steps included).")
    w("")
    w("## Ratios")
    w("")
    for key, value in ratios.items():
        if isinstance(value, dict):
            w(f"- {key}: " + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()))
        elif isinstance(value, list):
            w(f"- {key}: " + ", ".join(fmt(v, 3) for v in value))
        else:
            w(f"- {key}: {fmt(value, 3)}")
    w("")
    w("## What mosaicd counted (all rounds)")
    w("")
    w("| scenario | downstream calls per request | failed calls | cache lookups | bulkhead shed |")
    w("|---|---|---|---|---|")
    for scenario in SCENARIO_ORDER:
        x = medians.get(scenario, {}).get("mosaic")
        if not x or "calls_per_request" not in x:
            continue
        failed = ", ".join(f"{k} {int(v)}" for k, v in sorted(x["failed_calls"].items())) or "0"
        cache = ", ".join(f"{k} {int(v)}" for k, v in sorted(x["cache_lookups"].items())) or "-"
        w(f"| {scenario} | {fmt(x['calls_per_request'])} | {failed} | {cache} | {int(x['bulkhead_shed'])} |")
    w("")
    return "\n".join(out)


def main():
    work, out = sys.argv[1], sys.argv[2]
    meta = json.load(open(f"{work}/meta.json"))
    rows = read_samples(f"{work}/samples.tsv")
    for row in rows:
        if row["metrics"] not in ("-", ""):
            row["mosaic_metrics"] = metrics_delta(work, row["metrics"], row["requests"])
    medians = summarise(rows)
    ratios, targets = analyse(rows, medians)
    for row in rows:
        row.pop("metrics", None)
    with open(f"{out}.json", "w") as f:
        json.dump({**meta, "runs": rows, "medians": medians, "ratios": ratios, "targets": targets}, f,
                  indent=1)
    with open(f"{out}.md", "w") as f:
        f.write(markdown(meta, rows, medians, ratios, targets))
    print(markdown(meta, rows, medians, ratios, targets))


if __name__ == "__main__":
    main()
