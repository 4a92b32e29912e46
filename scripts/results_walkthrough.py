#!/usr/bin/env python3
"""Runs a round's results end to end through the HTTP contract, on a running cuocthi server.

    python3 scripts/results_walkthrough.py --password '...'            # the demo, round 1

What it does, stopping with exit status 1 at the first thing that is not as the contract says:

1. signs in as staff (admin or organizer);
2. registers --people contestants with made-up identities and has each take one attempt
   (random answers, a random prediction), so that the round has finished attempts;
3. closes the round now (FOR GOOD: a closed round cannot be reopened);
4. previews the result with the seed and prints every winner with the explanation of their
   place ("ahead of rank 7 by a smaller prediction error: 3 vs 6");
5. finalizes (a new version), downloads its canonical export and rules, and runs
   `cuocthi verify` on them with the seed (the winners recomputed without the database);
6. publishes, and reads the public winners page's API.

Only the Python standard library is needed. Use it on a demo or test installation: it adds
contestants and closes a round.
"""

import argparse
import http.cookiejar
import json
import os
import random
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request


class Client:
    """JSON over HTTP with a cookie session and the staff CSRF token."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None, token=None, expect=(200, 201), raw=False):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        elif self.csrf and method != "GET":
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=120) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, payload = err.code, err.read()
        if status not in expect:
            fail(f"{method} {path} answered {status}: {payload[:500].decode(errors='replace')}")
        if raw:
            return payload
        return json.loads(payload) if payload else None


def fail(message):
    print("FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--slug", default="demo")
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=os.environ.get("CUOCTHI_PASSWORD"),
                        help="the staff password (or CUOCTHI_PASSWORD)")
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--seed", default="walkthrough seed " + str(random.getrandbits(64)))
    parser.add_argument("--cuocthi", default="target/release/cuocthi",
                        help="the cuocthi binary, for `cuocthi verify`")
    args = parser.parse_args()
    if not args.password:
        fail("give --password (the demo admin password is printed once at the first start)")

    api = Client(args.base)
    me = api.call("POST", "/api/v1/auth/login",
                  {"username": args.username, "password": args.password})
    api.csrf = me["csrf_token"]
    print(f"signed in as {me['username']} ({me['role']})")

    contest = api.call("GET", f"/api/v1/contests/{args.slug}")
    units = api.call("GET", f"/api/v1/contests/{args.slug}/units")
    rng = random.Random()
    for i in range(args.people):
        person = {
            "full_name": f"Người Thử {chr(65 + i % 26)} {rng.randrange(10**6)}",
            "phone": "09" + "".join(rng.choice("0123456789") for _ in range(8)),
            "birth_year": rng.randrange(1960, 2006),
            "unit_id": rng.choice(units)["id"],
            "consent": True,
        }
        if contest.get("categories"):
            person["category"] = rng.choice(contest["categories"])["code"]
        token = api.call("POST", f"/api/v1/contests/{args.slug}/participants", person)["token"]
        attempt = api.call("POST", f"/api/v1/contests/{args.slug}/attempts", {}, token=token)
        for question in attempt["questions"]:
            key = rng.choice(question["options"])["key"]
            api.call("PUT", f"/api/v1/attempts/{attempt['attempt_id']}/answers/{question['position']}",
                     {"choice": [key]}, token=token)
        body = {"prediction": rng.randrange(0, 50)} if contest.get("prediction") else {}
        result = api.call("POST", f"/api/v1/attempts/{attempt['attempt_id']}/submit", body, token=token)
        print(f"  {person['full_name']}: {result['correct']}/{result['total']}")

    rounds = f"/api/v1/admin/contests/{args.slug}/rounds/{args.round}"
    api.call("POST", rounds + "/close", {})
    print(f"round {args.round} closed")

    seed = {"draw_seed": args.seed}
    preview = api.call("POST", rounds + "/preview", seed)
    print(f"preview: actual value {preview['actual']}, export sha256 {preview['export_sha256']}")
    for prize in preview["prizes"]:
        why = (prize.get("explanation") or {}).get("text_en") or prize.get("decided_by") or ""
        print(f"  {prize['tier_name']:>20}  #{prize['rank']:<3} {prize['name']:<28} "
              f"{prize['score']} pts  {why}")

    final = api.call("POST", rounds + "/finalize", seed)
    if final["export_sha256"] != preview["export_sha256"]:
        fail("the finalized export differs from the preview's")
    version = final["version"]
    print(f"finalized as version {version}")

    with tempfile.TemporaryDirectory() as folder:
        export = os.path.join(folder, "export.csv")
        rules = os.path.join(folder, "rules.json")
        with open(export, "wb") as out:
            out.write(api.call("GET", f"{rounds}/results/{version}/export.csv", raw=True))
        with open(rules, "wb") as out:
            out.write(api.call("GET", f"{rounds}/results/{version}/rules.json", raw=True))
        verdict = subprocess.run([args.cuocthi, "verify", "--export", export, "--rules", rules,
                                  "--seed", args.seed], capture_output=True, text=True)
        print(verdict.stdout.strip())
        if verdict.returncode != 0:
            fail(f"cuocthi verify exited {verdict.returncode}: {verdict.stderr.strip()}")

    published = api.call("POST", rounds + "/publish", {})
    print(f"published version {published['version']} at {published['published_at']}")
    winners = api.call("GET", f"/api/v1/contests/{args.slug}/winners")
    shown = next((w for w in winners if w["round"] == args.round), None)
    if shown is None or shown["version"] != version:
        fail("the public winners page does not show the published version")
    print(f"public winners page: {len(shown['prizes'])} individual prizes, "
          f"{len(shown['collective'])} collective; open {args.base}/c/{args.slug}/winners")


if __name__ == "__main__":
    main()
