#!/usr/bin/env python3
"""Figures and verdict of one fault scenario (tests/faults/*.sh), from its work directory:

- load.json: the report of cuocthi-load (errors by endpoint/status/code, longest request,
  1-second intervals, and the read-back of every acknowledged answer and submission);
- events: "name epoch_ms" lines written by the scenario (load_start, fault_start, fault_end...);
- poll-NAME.log: "epoch_ms status seconds retry_after" lines of a 200-ms poller.

Prints the figures, the checks asked for and PASS or FAIL; writes summary.json beside them.
Exit status 0 when every check passes, 1 otherwise. Standard library only.
"""

import argparse
import json
import os
import sys


def load_events(path):
    events = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                events[parts[0]] = int(parts[1])
    return events


def load_poll(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            try:
                t, status, secs = int(parts[0]), int(parts[1]), float(parts[2])
            except ValueError:
                continue
            retry = parts[3] if len(parts) > 3 else ""
            rows.append((t, status, secs, retry))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--title", default="fault scenario")
    ap.add_argument("--fault-start", default="fault_start", help="event: the fault begins")
    ap.add_argument("--fault-end", default="fault_end", help="event: the dependency is back")
    ap.add_argument("--max-error-rate", type=float)
    ap.add_argument("--max-request-ms", type=float)
    ap.add_argument("--max-recovery-s", type=float)
    ap.add_argument("--no-5xx-but-503", action="store_true",
                    help="any 5xx other than 503 (and any 500) fails")
    ap.add_argument("--retry-after", action="store_true",
                    help="every 503 a poller saw must carry Retry-After")
    ap.add_argument("--polls-200-during", action="append", default=[],
                    help="poller NAME must only see 200 during the fault")
    ap.add_argument("--extra", action="append", default=[],
                    help="NAME|VALUE|pass or fail: a check made by the scenario itself")
    args = ap.parse_args()

    work = args.work
    events = load_events(os.path.join(work, "events"))
    with open(os.path.join(work, "load.json")) as f:
        load = json.load(f)
    t0 = events.get("load_start", 0)
    fault_start = events.get(args.fault_start)
    fault_end = events.get(args.fault_end)
    checks = []

    def check(name, ok, value):
        checks.append({"check": name, "ok": bool(ok), "value": value})

    print(f"== {args.title}")
    if fault_start and fault_end:
        print(f"fault: from +{(fault_start - t0) / 1000:.1f} s to +{(fault_end - t0) / 1000:.1f} s "
              f"of the load ({(fault_end - fault_start) / 1000:.1f} s)")
    v = load.get("verification") or {}
    print(f"load: {load.get('journeys')} journeys completed, {load.get('requests')} responses, "
          f"{load.get('journeys_per_sec', 0):.1f} journeys/s over {load.get('seconds', 0):.1f} s "
          f"at concurrency {(load.get('settings', {}).get('arrivals') or {}).get('closed_loop')}")
    errors = load.get("errors", {})
    error_count = load.get("error_count", 0)
    error_rate = load.get("error_rate", 0.0)
    print(f"errors: {error_count} = {error_rate * 100:.3f} % of requests")
    for key, n in sorted(errors.items(), key=lambda kv: -kv[1]):
        print(f"  {key}: {n}")
    timeouts = sum(n for k, n in errors.items() if k.split(" ")[1:2] == ["0"] and k.endswith("timeout"))
    other_5xx = sum(n for k, n in errors.items()
                    if len(k.split(" ")) >= 2 and k.split(" ")[1].isdigit()
                    and 500 <= int(k.split(" ")[1]) <= 599 and int(k.split(" ")[1]) != 503)
    longest = load.get("max_ms", 0.0)
    print(f"longest request: {longest:.0f} ms ({load.get('longest_endpoint')}); "
          f"requests without a response after the client's timeout: {timeouts}")
    lost_answers = v.get("lost_answers")
    lost_submissions = v.get("lost_submissions")
    print(f"read back: {v.get('attempts')} attempts, {v.get('answers')} acknowledged answers, "
          f"{v.get('submissions')} acknowledged submissions -> lost answers {lost_answers}, "
          f"lost submissions {lost_submissions}, missing attempts {v.get('missing_attempts')}, "
          f"unreadable {v.get('unverifiable')}")
    check("nothing acknowledged lost",
          v and v.get("lost_answers") == 0 and v.get("lost_submissions") == 0
          and v.get("missing_attempts") == 0 and v.get("unverifiable") == 0,
          {"lost_answers": lost_answers, "lost_submissions": lost_submissions,
           "missing_attempts": v.get("missing_attempts"), "unverifiable": v.get("unverifiable")})
    if args.max_error_rate is not None:
        check(f"error rate <= {args.max_error_rate * 100:g} %", error_rate <= args.max_error_rate,
              round(error_rate, 6))
    if args.max_request_ms is not None:
        check(f"no request over {args.max_request_ms:.0f} ms",
              longest <= args.max_request_ms and timeouts == 0, {"longest_ms": longest, "timeouts": timeouts})
    if args.no_5xx_but_503:
        check("no 5xx other than 503", other_5xx == 0, other_5xx)

    # The load second by second around the fault.
    intervals = load.get("intervals", [])
    if fault_start and fault_end and intervals:
        a = max(0, (fault_start - t0) // 1000 - 2)
        b = (fault_end - t0) // 1000 + 8
        print("second  responses  errors  completed  p99 ms  max ms")
        for row in intervals:
            s = row.get("start_s", 0)
            if a <= s <= b:
                mark = ""
                if fault_start and s * 1000 + 999 >= fault_start - t0 and s * 1000 <= fault_end - t0:
                    mark = "  <- fault"
                print(f"{s:>6}  {row.get('requests', 0):>9}  {row.get('errors', 0):>6}  "
                      f"{row.get('completed', 0):>9}  {row.get('p99_ms', 0):>6.0f}  {row.get('max_ms', 0):>6.0f}{mark}")
        # The first whole second after the fault without an error, with responses.
        clean = None
        for row in intervals:
            s = row.get("start_s", 0)
            if s * 1000 >= fault_end - t0 and row.get("errors", 0) == 0 and row.get("requests", 0) > 0:
                clean = s * 1000 - (fault_end - t0)
                break
        if clean is not None:
            print(f"load: first error-free second begins {clean / 1000:.1f} s after the fault ended")

    summary_polls = {}
    recovery_values = []
    for name in sorted(os.listdir(work)):
        if not (name.startswith("poll-") and name.endswith(".log")):
            continue
        label = name[len("poll-"):-len(".log")]
        rows = load_poll(os.path.join(work, name))
        during = [r for r in rows if fault_start and fault_start <= r[0] <= (fault_end or 0)]
        hist = {}
        for r in during:
            hist[r[1]] = hist.get(r[1], 0) + 1
        slowest = max((r[2] for r in during), default=0.0)
        missing_retry = sum(1 for r in rows if r[1] == 503 and not r[3])
        n503 = sum(1 for r in rows if r[1] == 503)
        recovery = None
        if fault_end:
            for t, status, secs, _ in rows:
                done = t + int(secs * 1000)
                if done >= fault_end and status == 200:
                    recovery = max(0, done - fault_end) / 1000
                    break
        summary_polls[label] = {"during_fault": hist, "slowest_s_during": slowest,
                                "recovery_s": recovery, "503": n503, "503_without_retry_after": missing_retry,
                                "polls": len(rows)}
        print(f"poller {label}: {len(rows)} polls; during the fault {dict(sorted(hist.items()))}, "
              f"slowest {slowest:.2f} s; first 200 after the fault ended: "
              f"{'never' if recovery is None else f'{recovery:.2f} s'}"
              + (f"; 503s {n503}, without Retry-After {missing_retry}" if n503 else ""))
        if recovery is not None:
            recovery_values.append(recovery)
        if args.retry_after:
            check(f"{label}: every 503 carries Retry-After", missing_retry == 0, missing_retry)
        if label in args.polls_200_during:
            check(f"{label}: served (200) throughout the fault", set(hist) <= {200} and during,
                  hist)
        if args.max_request_ms is not None:
            check(f"{label}: no poll over {args.max_request_ms:.0f} ms",
                  max((r[2] for r in rows), default=0.0) * 1000 <= args.max_request_ms,
                  max((r[2] for r in rows), default=0.0))
    if args.max_recovery_s is not None:
        worst = max(recovery_values) if recovery_values else None
        check(f"recovery within {args.max_recovery_s:g} s", worst is not None and worst <= args.max_recovery_s,
              worst)
    for extra in args.extra:
        name, value, verdict = extra.rsplit("|", 2)
        check(name, verdict == "pass", value)

    print("checks:")
    for c in checks:
        print(f"  [{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['value']}")
    ok = all(c["ok"] for c in checks)
    print("RESULT:", "PASS" if ok else "FAIL")
    summary = {
        "title": args.title, "events": events, "journeys": load.get("journeys"),
        "requests": load.get("requests"), "error_count": error_count, "error_rate": error_rate,
        "errors": errors, "longest_ms": longest, "longest_endpoint": load.get("longest_endpoint"),
        "timeouts": timeouts, "verification": v, "polls": summary_polls, "checks": checks, "pass": ok,
    }
    with open(os.path.join(work, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
