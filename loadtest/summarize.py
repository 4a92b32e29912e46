#!/usr/bin/env python3
"""Summarizes a loadtest/bench.sh results directory as markdown for docs/PERFORMANCE.md.

Usage: python3 loadtest/summarize.py loadtest/results/<stamp>

Reads machine.txt and every <name>.json / <name>.cmd the bench wrote; prints the status rows
(P1, P2, P3, P7, P8 beside their targets), the medians and every run.
"""

import json
import statistics
import sys
from pathlib import Path

BACKENDS = [("embedded", "embedded (SQLite)"), ("pg", "PostgreSQL + Redis")]
TARGET_JOURNEYS = {"embedded": 300, "pg": 500}


def load(out, name):
    path = out / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def runs(out, prefix):
    found = []
    i = 1
    while True:
        doc = load(out, f"{prefix}-{i}")
        if doc is None:
            return found
        found.append(doc)
        i += 1


def med(docs, key):
    values = [d[key] for d in docs if d.get(key) is not None]
    return statistics.median(values) if values else None


def lost(doc):
    v = doc.get("verification") or {}
    return sum(v.get(k, 0) for k in ("missing_attempts", "lost_answers", "lost_submissions", "unverifiable"))


def endpoint(doc, name, key="p99_ms"):
    return (doc.get("endpoints", {}).get(name) or {}).get(key)


def fmt(x, digits=1):
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def errors_text(doc):
    errors = doc.get("errors") or {}
    if not errors:
        return "0"
    return f"{doc.get('error_count', sum(errors.values()))} (" + ", ".join(f"{k}: {v}" for k, v in errors.items()) + ")"


def cpu(doc):
    c = doc.get("cpu") or {}
    parts = [c.get("servers_cores"), c.get("generator_cores"), c.get("machine_busy_cores")]
    return " / ".join(fmt(x, 2) for x in parts)


def cmd(out, name):
    path = out / f"{name}.cmd"
    return path.read_text().strip() if path.exists() else "?"


def main():
    out = Path(sys.argv[1])
    lines = []
    p = lines.append
    machine = (out / "machine.txt").read_text().strip().splitlines() if (out / "machine.txt").exists() else []
    p(f"Results directory: `{out.name}`")
    p("")
    p("```")
    p("\n".join(machine))
    p("```")
    p("")
    status = []

    # P1 and P2.
    p("### P1 and P2: journeys, and the bare handler in the same run")
    p("")
    p("| backend | run | journeys/s | requests/s | all p99 ms | save p99 | start p99 | errors | lost | cores: server / generator / machine | bare requests/s | bare cores |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    p1_rows = {}
    for backend, label in BACKENDS:
        p1 = runs(out, f"{backend}-p1")
        bare = runs(out, f"{backend}-p2-bare")
        if not p1:
            continue
        for i, doc in enumerate(p1):
            b = bare[i] if i < len(bare) else None
            p(f"| {label} | {i + 1} | {fmt(doc['journeys_per_sec'])} | {fmt(doc['requests_per_sec'], 0)} | "
              f"{fmt(doc['p99_ms'])} | {fmt(endpoint(doc, 'save'))} | {fmt(endpoint(doc, 'start'))} | "
              f"{errors_text(doc)} | {lost(doc)} | {cpu(doc)} | {fmt(b['requests_per_sec'], 0) if b else '—'} | "
              f"{cpu(b) if b else '—'} |")
        m = {
            "jps": med(p1, "journeys_per_sec"), "rps": med(p1, "requests_per_sec"), "p99": med(p1, "p99_ms"),
            "errors": sum(d.get("error_count", 0) for d in p1), "lost": sum(lost(d) for d in p1),
            "bare": med(bare, "requests_per_sec") if bare else None,
            "save_p99": statistics.median([endpoint(d, "save") or 0 for d in p1]),
        }
        p1_rows[backend] = m
        p(f"| {label} | **median of {len(p1)}** | **{fmt(m['jps'])}** | **{fmt(m['rps'], 0)}** | **{fmt(m['p99'])}** | "
          f"{fmt(m['save_p99'])} | | {m['errors']} | {m['lost']} | | **{fmt(m['bare'], 0)}** | |")
    p("")
    for backend, label in BACKENDS:
        m = p1_rows.get(backend)
        if not m:
            continue
        ok = m["jps"] >= TARGET_JOURNEYS[backend] and m["p99"] <= 50 and m["errors"] == 0 and m["lost"] == 0
        status.append(("P1", f"{label}: {fmt(m['jps'])} journeys/s (target ≥ {TARGET_JOURNEYS[backend]}), "
                             f"p99 {fmt(m['p99'])} ms, {m['errors']} errors, {m['lost']} lost", ok))
        if m["bare"]:
            ratio = m["rps"] / m["bare"]
            p(f"- P2 {label}: {fmt(m['rps'], 0)} / {fmt(m['bare'], 0)} requests/s = **{ratio * 100:.1f} %** of the bare handler (target ≥ 25 %)")
            status.append(("P2", f"{label}: {ratio * 100:.1f} % ({fmt(m['rps'], 0)} of {fmt(m['bare'], 0)} requests/s)", ratio >= 0.25))
    p("")

    # P3.
    p("### P3: start surge (open loop)")
    p("")
    p("| backend | arrivals | started and acknowledged | failures | start p50 / p99 / max ms | register p99 ms | dropped | lost | wall s |")
    p("|---|---|---|---|---|---|---|---|---|")
    for backend, label in BACKENDS:
        doc = load(out, f"{backend}-p3")
        if not doc:
            continue
        failures = doc.get("error_count", 0) + doc.get("dropped", 0) + doc.get("abandoned", 0)
        p(f"| {label} | {fmt(doc['started'])} | {fmt(doc['completed'])} | {errors_text(doc)} | "
          f"{fmt(endpoint(doc, 'start', 'p50_ms'))} / {fmt(endpoint(doc, 'start'))} / {fmt(endpoint(doc, 'start', 'max_ms'))} | "
          f"{fmt(endpoint(doc, 'register'))} | {doc.get('dropped', 0)} | {lost(doc)} | {fmt(doc['seconds'])} |")
        start_p99 = endpoint(doc, "start") or 0
        ok = (failures == 0 and doc["completed"] == doc["started"] >= 5000 and start_p99 <= 200
              and lost(doc) == 0)
        status.append(("P3", f"{label}: {doc['completed']:,} of {doc['started']:,} started, start p99 {fmt(start_p99)} ms, "
                             f"{failures} failures", ok))
    p("")

    # P7.
    p("### P7: attempts in progress at once, server memory")
    p("")
    p("| backend | attempts held | RSS before MB | RSS after the starts MB | RSS after holding MB | peak (VmHWM) MB | errors | lost |")
    p("|---|---|---|---|---|---|---|---|")
    for backend, label in BACKENDS:
        doc = load(out, f"{backend}-p7")
        if not doc:
            continue
        mem = doc.get("memory") or {}
        held = (doc.get("verification") or {}).get("attempts", doc["completed"])
        p(f"| {label} | {fmt(doc['completed'])} | {fmt(mem.get('first_mb'))} | {fmt(mem.get('after_load_mb'))} | "
          f"{fmt(mem.get('after_hold_mb'))} | {fmt(mem.get('hwm_mb'))} | {errors_text(doc)} | {lost(doc)} |")
        peak = max(mem.get("hwm_mb") or 0, mem.get("max_mb") or 0)
        ok = doc["completed"] >= 10000 and peak <= 250 and lost(doc) == 0
        status.append(("P7", f"{label}: {held:,} attempts in progress, RSS {fmt(mem.get('after_hold_mb'))} MB, peak {fmt(peak)} MB", ok))
    p("")

    # P8.
    one = runs(out, "p8-one")
    two = runs(out, "p8-two")
    if one and two:
        p("### P8: two nodes on one PostgreSQL and one Redis (round-robin per request)")
        p("")
        p("| run | one node journeys/s | p99 ms | errors | lost | cores | two nodes journeys/s | p99 ms | errors | lost | cores |")
        p("|---|---|---|---|---|---|---|---|---|---|---|")
        for i, (a, b) in enumerate(zip(one, two)):
            p(f"| {i + 1} | {fmt(a['journeys_per_sec'])} | {fmt(a['p99_ms'])} | {a.get('error_count', 0)} | {lost(a)} | {cpu(a)} | "
              f"{fmt(b['journeys_per_sec'])} | {fmt(b['p99_ms'])} | {b.get('error_count', 0)} | {lost(b)} | {cpu(b)} |")
        m1, m2 = med(one, "journeys_per_sec"), med(two, "journeys_per_sec")
        errs = sum(d.get("error_count", 0) for d in two)
        lost2 = sum(lost(d) for d in two)
        p(f"| **median** | **{fmt(m1)}** | {fmt(med(one, 'p99_ms'))} | | | | **{fmt(m2)}** | {fmt(med(two, 'p99_ms'))} | {errs} | {lost2} | |")
        p("")
        ratio = m2 / m1 if m1 else 0
        p(f"- two nodes / one node = **{ratio:.2f}** (target ≥ 0.9 on these 2 cores); every acknowledged answer and "
          f"submission read back through the other node as well as its own: {lost2} missing")
        status.append(("P8", f"two nodes {fmt(m2)} vs one {fmt(m1)} journeys/s = {ratio:.2f}×, {errs} errors, {lost2} lost", ratio >= 0.9 and errs == 0 and lost2 == 0))
        p("")

    p("### Status rows")
    p("")
    p("| # | measured | status |")
    p("|---|---|---|")
    for name, text, ok in sorted(status, key=lambda row: row[0]):
        p(f"| {name} | {text} | {'met' if ok else '**not met**'} |")
    p("")
    p("### Commands (as run; `--json` and the report files omitted)")
    p("")
    p("```")
    for path in sorted(out.glob("*.server")):
        p(f"{path.stem} server: {path.read_text().strip()}")
    for path in sorted(out.glob("*.cmd")):
        p(f"{path.stem}: {path.read_text().strip()}")
    p("```")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
