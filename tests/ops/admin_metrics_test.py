#!/usr/bin/env python3
"""mosaicd's admin listener seen from outside: starts the real daemon on free ports with mock
downstreams, sends traffic, scrapes /metrics before and after and parses both with Prometheus'
own text parser (python3-prometheus-client), checking that the named series moved. Also: the
bearer token (401 without, 200 with), /healthz and /readyz open, /config redacted, POST /reload
refused then accepted, the trace id in log lines, and the admin listener on loopback by default."""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "test-admin-token-0123456789abcdef"
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def http(url, method="GET", headers=None, data=None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class Daemon:
    def __init__(self, mosaicd, config):
        self.process = subprocess.Popen([mosaicd, "--config", config], stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.started = threading.Event()
        self.listening = None
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.process.stderr:
            self.lines.append(line)
            if self.listening is None and "mosaicd listening" in line:
                self.listening = json.loads(line)
                self.started.set()
        self.started.set()

    def wait_started(self):
        self.started.wait(30)
        return self.listening

    def log(self):
        return "".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self.reader.join(10)
        return code


def samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(parsed, name, **labels):
    return parsed.get((name, tuple(sorted(labels.items()))), 0.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mosaicd", required=True)
    parser.add_argument("--plugin-dir", required=True)
    args = parser.parse_args()
    args.plugin_dir = os.path.abspath(args.plugin_dir)

    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "admin.token"), "w") as f:
            f.write(TOKEN + "\n")
        with open(os.path.join(folder, "page.yaml"), "w") as f:
            f.write("endpoint: GET /page/{id}\n"
                    "deadline: 1s\n"
                    "steps:\n"
                    "  user: { call: users, with: { body: { id: \"${params.id}\" } } }\n"
                    "  extra: { call: flaky, class: degradable, with: { body: 1 } }\n"
                    "  later: { call: users, class: background, after: [user], with: { body: 2 } }\n")
        engine_text = ("server: { listen: 127.0.0.1:0 }\n"
                       "admin: { listen: 127.0.0.1:0, token_file: admin.token }\n"
                       "plugins: { paths: [%s] }\n"
                       "downstreams:\n"
                       "  users: { plugin: mock, config: { latency: 1ms } }\n"
                       "  flaky: { plugin: mock, breaker: off, config: { fail_rate: 1.0 } }\n"
                       "  vault: { plugin: http, config: { base_url: \"http://127.0.0.1:9\", "
                       "headers: { X-Api-Key: do-not-show } } }\n"
                       "pipelines: [page.yaml]\n" % args.plugin_dir)
        config = os.path.join(folder, "mosaic.yaml")
        with open(config, "w") as f:
            f.write(engine_text)

        daemon = Daemon(args.mosaicd, config)
        try:
            started = daemon.wait_started()
            check(started is not None, "mosaicd started: %s" % daemon.log()[-2000:])
            if started is None:
                return 1
            public = "http://" + started["listen"]
            admin = "http://" + started["admin"]
            check(started["admin"].startswith("127.0.0.1:"), "admin listens on loopback: " + started["admin"])
            auth = {"Authorization": "Bearer " + TOKEN}

            status, _, body = http(admin + "/healthz")
            check(status == 200, "/healthz without a token: 200")
            status, _, body = http(admin + "/readyz")
            check(status == 200 and json.loads(body)["ready"] is True, "/readyz without a token: 200 ready")
            status, headers, body = http(admin + "/metrics")
            check(status == 401 and json.loads(body)["error"] == "unauthorized", "/metrics without a token: 401 JSON")
            status, _, _ = http(admin + "/metrics", headers={"Authorization": "Bearer nope-nope-nope-nope"})
            check(status == 401, "/metrics with a wrong token: 401")
            status, headers, before_text = http(admin + "/metrics", headers=auth)
            check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
                  "/metrics with the token: 200 text/plain; version=0.0.4")
            before = samples(before_text)

            trace = "4bf92f3577b34da6a3ce929d0e0e4736"
            for i in range(20):
                status, headers, body = http(public + "/page/%d" % i,
                                             headers={"traceparent": "00-%s-00f067aa0ba902b7-01" % trace})
                check(status == 200 and json.loads(body)["_meta"]["degraded"] == {"extra": "status_503"},
                      "request %d: 200, extra degraded" % i) if i in (0, 19) else None
            for i in range(3):
                http(public + "/missing")
            time.sleep(0.5)  # the background steps finish
            status, _, after_text = http(admin + "/metrics", headers=auth)
            after = samples(after_text)

            def delta(name, **labels):
                return value(after, name, **labels) - value(before, name, **labels)

            page = "GET /page/{id}"
            check(delta("mosaic_requests_total", pipeline=page, status="200") == 20,
                  "mosaic_requests_total{pipeline=%r,status=200} +20" % page)
            check(delta("mosaic_requests_total", pipeline="unmatched", status="404") == 3,
                  "mosaic_requests_total{pipeline=unmatched,status=404} +3")
            check(delta("mosaic_request_duration_seconds_count", pipeline=page) == 20,
                  "mosaic_request_duration_seconds_count +20")
            check(delta("mosaic_request_duration_seconds_bucket", pipeline=page, le="+Inf") == 20,
                  "mosaic_request_duration_seconds_bucket{le=+Inf} +20")
            check(delta("mosaic_request_duration_seconds_sum", pipeline=page) > 0, "request latency sum grew")
            check(delta("mosaic_step_calls_total", downstream="flaky", outcome="status_503") == 20,
                  "mosaic_step_calls_total{downstream=flaky,outcome=status_503} +20")
            check(delta("mosaic_step_calls_total", downstream="users", outcome="ok") == 40,
                  "mosaic_step_calls_total{downstream=users,outcome=ok} +40 (critical and background)")
            check(delta("mosaic_step_duration_seconds_count", downstream="users") == 40,
                  "mosaic_step_duration_seconds_count{downstream=users} +40")
            for state in ("in_use", "idle"):
                check(("mosaic_worker_pool_threads", (("pool", "steps"), ("state", state))) in after,
                      "mosaic_worker_pool_threads{pool=steps,state=%s} present" % state)
            check(("mosaic_worker_pool_queued", (("pool", "background"),)) in after,
                  "mosaic_worker_pool_queued{pool=background} present")
            check(value(after, "mosaic_config_generation") == 1, "mosaic_config_generation 1")
            check(value(after, "mosaic_config_reload_failures_total") == 0, "no reload failure yet")

            status, _, body = http(admin + "/config", headers=auth)
            check(status == 200 and "do-not-show" not in body and TOKEN not in body
                  and json.loads(body)["downstreams"]["vault"]["config"]["headers"]["X-Api-Key"] == "***",
                  "/config redacts the api key and never shows the token")
            status, _, body = http(admin + "/pipelines", headers=auth)
            check(status == 200 and json.loads(body)["pipelines"][0]["endpoint"] == page, "/pipelines")

            # A broken config is refused and counted; a fixed one becomes generation 2.
            with open(os.path.join(folder, "page.yaml"), "a") as f:
                f.write("bogus: 1\n")
            status, _, body = http(admin + "/reload", method="POST", headers=auth, data=b"")
            refused = json.loads(body)
            check(status == 422 and refused["error"] == "invalid_config"
                  and refused["errors"][0]["line"] == 7 and refused["errors"][0]["col"] == 1,
                  "POST /reload with a broken pipeline: 422 with line 7 col 1: %s" % body)
            status, _, text = http(admin + "/metrics", headers=auth)
            parsed = samples(text)
            check(value(parsed, "mosaic_config_reload_failures_total") == 1, "mosaic_config_reload_failures_total 1")
            check(value(parsed, "mosaic_config_generation") == 1, "still generation 1")
            with open(os.path.join(folder, "page.yaml")) as f:
                fixed = f.read().replace("bogus: 1\n", "")
            with open(os.path.join(folder, "page.yaml"), "w") as f:
                f.write(fixed)
            status, _, body = http(admin + "/reload", method="POST", headers=auth, data=b"")
            check(status == 200 and json.loads(body) == {"generation": 2}, "POST /reload: 200 {generation: 2}")
            status, _, text = http(admin + "/metrics", headers=auth)
            check(value(samples(text), "mosaic_config_generation") == 2, "mosaic_config_generation 2")
            status, _, _ = http(admin + "/reload", method="POST")
            check(status == 401, "POST /reload without the token: 401")
        finally:
            code = daemon.stop()
        check(code == 0, "mosaicd exits 0 on SIGTERM")
        log = daemon.log()
        warn = [l for l in log.splitlines() if "degradable step failed" in l]
        check(warn and all(json.loads(l).get("trace_id") == trace for l in warn),
              "log lines carry the request's trace id (%d degradable warnings)" % len(warn))
        check(re.search(r'"level":"error".*config reload: .*page\.yaml:7:1: unknown key', log) is not None,
              "the refused reload's error is logged at error level with file:line:col")

        # The default admin address is loopback: no admin section at all.
        with open(config, "w") as f:
            f.write(engine_text.replace("admin: { listen: 127.0.0.1:0, token_file: admin.token }\n", ""))
        daemon = Daemon(args.mosaicd, config)
        started = daemon.wait_started()
        code = daemon.stop()
        if started is not None:
            check(started["admin"] == "127.0.0.1:9901", "without admin:, the admin listener is 127.0.0.1:9901")
        else:
            # Only when something else holds 9901: the refusal still names the default address.
            check("cannot listen on admin.listen 127.0.0.1:9901" in daemon.log(),
                  "without admin:, mosaicd binds 127.0.0.1:9901: " + daemon.log()[-500:])

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
