#!/usr/bin/env python3
"""The load of bench/soak: a steady, mixed read/write load on one shifan process.

Started by bench/soak with a JSON file describing the seeded data (see there). SOAK_THREADS
workers each keep one keep-alive connection and send at a fixed interval, so the rate is
SOAK_RATE requests/s in all however fast the server answers (a worker that falls behind skips
its missed slots instead of bursting, and they are counted). Every request has the one status
it must get; anything else, or a socket error, is an error. Meanwhile the server's resident
memory (VmRSS) is sampled every SOAK_SAMPLE_SECONDS. At the end the audit chain is verified
over HTTP. Prints the tables and exits 1 on any error, on an RSS growth after warm-up above
SOAK_RSS_LIMIT_KB, or on a broken chain.

Why the RSS limit is 8 MB by default, measured from the lowest sample after warm-up (the first
SOAK_WARMUP_PCT % of the run: the public cache fills its 4 MB budget, glibc gives each server
thread its arena) to the median of the last three samples: malloc arenas move by a few MB
as they are trimmed and refilled, so a limit of a few percent of a ~30 MB process would flag
noise; and at the default 200 requests/s a leak of 90 bytes per request (less than one small
allocation of Jansson or strdup plus malloc's chunk header, in a quarter of the requests)
grows by more than 8 MB in the 480 s after warm-up.
"""
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(region, serial):
    """A valid unified social credit code (GB 32100-2015) for the serial."""
    body = "91" + region + "MA" + "%07d" % serial
    check = 31 - sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if check == 31 else check]


REPORT = json.dumps({
    "basic": {"established_on": "2015-03-01", "total_assets_cny": 3000000, "smes_served_last_year": 150,
              "smes_served_prev_year": 120, "satisfaction_pct": 92, "has_fixed_premises": True,
              "partner_institutions": 5,
              "prior_recognitions": [{"level": "city", "issuer": "市工业和信息化局", "year": 2020}],
              "has_management_rules": True, "has_development_plan": True, "public_service_share_pct": 20,
              "service_staff": 25, "qualified_staff": 20},
    "functions": {"training": {"has_qualification": True, "online_and_offline": True,
                               "has_evaluation_mechanism": True, "trainee_times_per_year": 2000}},
    "innovation": "线上线下结合的培训服务模式"}, ensure_ascii=False).encode()

# (kind, weight): how often a worker picks each kind when it has no write in progress. A
# "platform_create" starts a chain: the worker's next two requests are the application for
# that platform in this year's round and its report.
MIX = [("registry_by_id", 30), ("registry_list", 10), ("registry_search", 4), ("me", 10),
       ("application_by_id", 10), ("not_found", 3), ("invalid_platform", 5), ("healthz", 5),
       ("platform_create", 8), ("login", 1)]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}      # kind -> [ms]
        self.errors = {}       # kind -> count
        self.examples = []     # the first few unexpected answers
        self.late = 0

    def record(self, kind, ms, error=None):
        with self.lock:
            self.latency.setdefault(kind, []).append(ms)
            if error is not None:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.examples) < 10:
                    self.examples.append("%s: %s" % (kind, error))


class Worker(threading.Thread):
    def __init__(self, n, cfg, stats, start, end, interval):
        super().__init__(daemon=True)
        self.n, self.cfg, self.stats = n, cfg, stats
        self.start_at, self.end, self.interval = start, end, interval
        self.rng = random.Random(1000 + n)
        self.conn = None
        self.chain = []          # the rest of a write chain: [(kind, method, path, headers, body, status)]
        self.list_token = None   # the next page of this worker's registry list, if any
        self.serial = 0
        self.city = cfg["cities"][n % len(cfg["cities"])]

    def connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.cfg["port"], timeout=30)

    def call(self, method, path, headers=None, body=None):
        if self.conn is None:
            self.connect()
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read()

    def auth(self, token, ctype=None):
        h = {"Authorization": "Bearer " + token}
        if ctype:
            h["Content-Type"] = ctype
        return h

    def next_request(self):
        cfg, rng = self.cfg, self.rng
        if self.chain:
            return self.chain.pop(0)
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "registry_by_id":
            return kind, "GET", "/v1/public/platforms/%d" % rng.choice(cfg["registry_ids"]), {}, None, 200
        if kind == "registry_list":
            if self.list_token:
                q = {"region_code": self.list_region, "limit": 20, "page_token": self.list_token}
                kind = "registry_list_next"
            else:
                self.list_region = rng.choice(cfg["regions"])
                q = {"region_code": self.list_region, "limit": 20}
            return kind, "GET", "/v1/public/platforms?" + urllib.parse.urlencode(q), {}, None, 200
        if kind == "registry_search":
            q = urllib.parse.quote(rng.choice(["智造", "数字技术", "创新", "融资服务"]))
            return kind, "GET", "/v1/public/platforms?limit=20&q=" + q, {}, None, 200
        if kind == "me":
            return kind, "GET", "/v1/me", self.auth(self.city["token"]), None, 200
        if kind == "application_by_id":
            return (kind, "GET", "/v1/applications/%d" % rng.choice(cfg["app_ids"]), self.auth(cfg["app_token"]),
                    None, 200)
        if kind == "not_found":
            return kind, "GET", "/v1/public/platforms/%d" % (2000000000 + rng.randrange(1000)), {}, None, 404
        if kind == "invalid_platform":
            body = {"name": "", "region_code": self.city["region"], "functions": ["training"],
                    "operator": {"name": "某公司", "credit_code": "91210100MA0000000X"}}
            return (kind, "POST", "/v1/platforms", self.auth(self.city["token"], "application/json"),
                    json.dumps(body, ensure_ascii=False).encode(), 422)
        if kind == "healthz":
            return kind, "GET", "/healthz", {}, None, 200
        if kind == "login":
            body = {"username": self.city["username"], "password": cfg["city_password"]}
            return kind, "POST", "/v1/auth/token", {"Content-Type": "application/json"}, json.dumps(body).encode(), 200
        # platform_create: a new platform of the worker's city, unique by run, worker and serial
        self.serial += 1
        serial = cfg["serial_base"] + self.n * 100000 + self.serial
        name = "耐久测试服务平台%d" % serial
        body = {"name": name, "region_code": self.city["region"], "functions": ["training"],
                "operator": {"name": name + "运营有限公司", "credit_code": credit_code(self.city["region"], serial),
                             "established_on": "2015-03-01", "address": "某区某路1号"}}
        return (kind, "POST", "/v1/platforms", self.auth(self.city["token"], "application/json"),
                json.dumps(body, ensure_ascii=False).encode(), 201)

    def handle(self, kind, status, ctype, data):
        """Follows the answer: the write chain and the list's next page."""
        if kind == "platform_create":
            platform = json.loads(data)["id"]
            body = json.dumps({"round_id": self.cfg["round_id"], "platform_id": platform}).encode()
            self.chain = [("application_create", "POST", "/v1/applications",
                           self.auth(self.city["token"], "application/json"), body, 201)]
        elif kind == "application_create":
            app = json.loads(data)["id"]
            self.chain = [("report_put", "PUT", "/v1/applications/%d/report" % app,
                           self.auth(self.city["token"], "application/json"), REPORT, 200)]
        elif kind in ("registry_list", "registry_list_next"):
            self.list_token = json.loads(data).get("next_page_token")

    def run(self):
        due = self.start_at + self.interval * self.rng.random()   # workers spread over the interval
        while True:
            now = time.monotonic()
            if now >= self.end:
                break
            if now < due:
                time.sleep(due - now)
            elif now > due + self.interval:
                skipped = int((now - due) / self.interval)
                with self.stats.lock:
                    self.stats.late += skipped
                due += skipped * self.interval
            due += self.interval
            kind, method, path, headers, body, expected = self.next_request()
            t0 = time.monotonic()
            try:
                status, ctype, data = self.call(method, path, headers, body)
            except (OSError, http.client.HTTPException) as e:
                self.stats.record(kind, (time.monotonic() - t0) * 1000, "socket error %r" % e)
                self.chain = []
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                continue
            ms = (time.monotonic() - t0) * 1000
            error = None
            if status != expected:
                error = "%d (expected %d) %s" % (status, expected, data[:200].decode("utf-8", "replace"))
            elif status >= 400 and not ctype.startswith("application/problem+json"):
                error = "%d without problem+json (%s)" % (status, ctype)
            if error is None:
                try:
                    self.handle(kind, status, ctype, data)
                except (ValueError, KeyError) as e:
                    error = "unreadable answer: %r" % e
            if error is not None:
                self.chain = []
                self.list_token = None
            self.stats.record(kind, ms, error)
        if self.conn is not None:
            self.conn.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    cfg = json.load(open(sys.argv[1]))
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    rate = float(os.environ.get("SOAK_RATE", "200"))
    nthreads = int(os.environ.get("SOAK_THREADS", "8"))
    sample_every = float(os.environ.get("SOAK_SAMPLE_SECONDS", "10"))
    warmup_pct = float(os.environ.get("SOAK_WARMUP_PCT", "20"))
    limit_kb = int(os.environ.get("SOAK_RSS_LIMIT_KB", "8192"))
    min_samples = 6   # after warm-up; fewer (a short run) and the memory check is not made
    pid = cfg["pid"]

    stats = Stats()
    start = time.monotonic()
    end = start + seconds
    workers = [Worker(n, cfg, stats, start, end, nthreads / rate) for n in range(nthreads)]
    for w in workers:
        w.start()
    samples = [(0.0, rss_kb(pid))]
    alive = True
    while time.monotonic() < end:
        time.sleep(min(sample_every, max(0.0, end - time.monotonic())))
        try:
            samples.append((time.monotonic() - start, rss_kb(pid)))
        except (OSError, RuntimeError):
            alive = False
            break
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start

    failures = []
    if not alive:
        failures.append("shifan (pid %d) is gone" % pid)

    # the requests, by kind
    total = sum(len(v) for v in stats.latency.values())
    nerr = sum(stats.errors.values())
    print("\nsoak: %.0f s at %.0f requests/s asked, %.1f requests/s sent, %d threads, %d slots skipped"
          % (elapsed, rate, total / elapsed, nthreads, stats.late))
    print("\n| request | expected | count | errors | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    expected = {"platform_create": 201, "application_create": 201, "not_found": 404, "invalid_platform": 422}
    for kind in sorted(stats.latency):
        v = sorted(stats.latency[kind])
        print("| %s | %d | %d | %d | %.1f | %.1f | %.1f |" % (
            kind, expected.get(kind, 200), len(v), stats.errors.get(kind, 0), v[len(v) // 2],
            v[min(len(v) - 1, int(len(v) * 0.99))], v[-1]))
    allv = sorted(x for v in stats.latency.values() for x in v)
    if allv:
        print("| all | | %d | %d | %.1f | %.1f | %.1f |" % (total, nerr, allv[len(allv) // 2],
                                                          allv[min(len(allv) - 1, int(len(allv) * 0.99))], allv[-1]))
    if nerr:
        failures.append("%d unexpected answers or socket errors" % nerr)
        for e in stats.examples:
            print("soak: unexpected: " + e)
    if total == 0:
        failures.append("no request was sent")

    # resident memory
    warm = seconds * warmup_pct / 100
    print("\n| t s | VmRSS kB | |\n|---:|---:|---|")
    for t, kb in samples:
        print("| %.0f | %d | %s |" % (t, kb, "warm-up" if t < warm else ""))
    after = [kb for t, kb in samples if t >= warm]
    if len(after) < min_samples:
        print("soak: memory check not made: %d samples after the warm-up of %.0f s (fewer than %d; a run "
              "this short is still filling the public cache and malloc's arenas)" % (len(after), warm, min_samples))
    else:
        low = min(after)
        final = statistics.median(kb for _, kb in samples[-3:])
        growth = final - low
        print("soak: VmRSS after warm-up: lowest %d kB, final (median of the last 3) %d kB, growth %d kB "
              "(limit %d kB), peak %d kB" % (low, final, growth, limit_kb, max(kb for _, kb in samples)))
        if growth > limit_kb:
            failures.append("resident memory grew by %d kB after warm-up (limit %d kB)" % (growth, limit_kb))

    # the audit chain, over HTTP as the admin
    try:
        conn = http.client.HTTPConnection("127.0.0.1", cfg["port"], timeout=600)
        conn.request("GET", "/v1/audit-events/verify", headers={"Authorization": "Bearer " + cfg["admin_token"]})
        r = conn.getresponse()
        body = r.read()
        verdict = json.loads(body) if r.status == 200 else None
        print("soak: audit chain verify: HTTP %d %s" % (r.status, body.decode("utf-8", "replace")))
        if not verdict or verdict.get("ok") is not True:
            failures.append("the audit chain does not verify")
    except (OSError, http.client.HTTPException, ValueError) as e:
        failures.append("audit chain verify failed: %r" % e)

    for f in failures:
        print("soak: FAILED: " + f)
    if not failures:
        print("soak: passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
