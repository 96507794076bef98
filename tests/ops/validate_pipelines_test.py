#!/usr/bin/env python3
"""`mosaicctl validate` on every file in pipelines/ passes; on a broken copy it names the line and
column; its exit codes and --format json are what docs/mosaicctl.md says."""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def run(mosaicctl, *args):
    done = subprocess.run([mosaicctl, *args], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--mosaicctl", required=True)
    parser.add_argument("--plugin-dir", required=True)
    args = parser.parse_args()
    ctl, plugins = args.mosaicctl, args.plugin_dir
    engine = os.path.join(args.source, "pipelines", "mosaic.yaml")

    files = sorted(glob.glob(os.path.join(args.source, "pipelines", "**", "*.yaml"), recursive=True))
    check(len(files) >= 4, "pipelines/ holds the demo config and its pipelines (%d files)" % len(files))
    for path in files:
        code, out, err = run(ctl, "validate", "--plugin-dir", plugins, "-c", engine, path)
        check(code == 0 and ": ok (" in out, "mosaicctl validate %s -> %d %s%s" % (
            os.path.relpath(path, args.source), code, out.strip().splitlines()[0] if out.strip() else "", err.strip()))

    code, out, _ = run(ctl, "validate", "--plugin-dir", plugins, "--format", "json", *files)
    report = json.loads(out)
    check(code == 0 and report["valid"] and len(report["files"]) == len(files),
          "--format json reports every file valid")

    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "pipelines")
        shutil.copytree(os.path.join(args.source, "pipelines"), copy)
        # The demo config finds plugins relative to itself; the copy is elsewhere.
        broken = os.path.join(copy, "demo", "home.yaml")
        with open(broken) as f:
            lines = f.read().split("\n")
        target = next(i for i, line in enumerate(lines) if line.strip().startswith("class: degradable"))
        lines[target] = lines[target].replace("class:", "clas:")
        with open(broken, "w") as f:
            f.write("\n".join(lines))
        col = lines[target].index("clas:") + 1
        where = "%s:%d:%d: unknown key 'clas'" % (broken, target + 1, col)

        code, out, err = run(ctl, "validate", "--plugin-dir", plugins, os.path.join(copy, "mosaic.yaml"))
        check(code == 1, "a broken copy exits 1 (got %d)" % code)
        check(where in err, "the error names file:line:col: %s (stderr: %s)" % (where, err.strip()))

        code, out, err = run(ctl, "validate", "--plugin-dir", plugins, broken)
        check(code == 1 and where in err, "validating the broken pipeline file alone names it too")

        code, out, _ = run(ctl, "validate", "--plugin-dir", plugins, "--format", "json", broken)
        errors = json.loads(out)["files"][0]["errors"]
        check(code == 1 and errors and errors[0]["line"] == target + 1 and errors[0]["col"] == col,
              "--format json gives line %d and col %d: %s" % (target + 1, col, errors))

    code, _, err = run(ctl, "validate")
    check(code == 2 and "usage" in err, "no file is a usage error (exit 2)")
    code, _, err = run(ctl, "validate", "--format", "xml", engine)
    check(code == 2, "a bad --format is a usage error (exit 2)")
    code, _, _ = run(ctl, "frobnicate")
    check(code == 2, "an unknown command is a usage error (exit 2)")
    for command in ([], ["validate"], ["routes"], ["explain"]):
        code, out, _ = run(ctl, *command, "--help")
        check(code == 0 and out.startswith("usage: mosaicctl"), "mosaicctl %s --help" % " ".join(command))

    code, out, _ = run(ctl, "routes", "--plugin-dir", plugins, "-c", engine)
    check(code == 0 and "GET     /home/{userId}" in out and "demo/home.yaml" in out, "routes lists /home/{userId}")
    code, out, _ = run(ctl, "routes", "--plugin-dir", plugins, "--format", "json", engine)
    routes = json.loads(out)["routes"]
    check(code == 0 and {r["endpoint"] for r in routes} ==
          {"GET /home/{userId}", "GET /listings/{category}", "POST /checkout/{userId}"}, "routes --format json")

    code, out, _ = run(ctl, "explain", "--plugin-dir", plugins, "-c", engine, "GET", "/listings/cars?page=2")
    check(code == 0 and "params: category=cars" in out and "stage 2 (in parallel):" in out
          and "prices" in out and "degradable" in out and "timeout 60ms" in out, "explain shows the stages:\n" + out)
    code, out, _ = run(ctl, "explain", "--plugin-dir", plugins, "-c", engine, "--format", "json", "POST",
                       "/checkout/{userId}")
    view = json.loads(out)
    check(code == 0 and view["stages"][0] == ["cart", "payment_options"] and view["deadline_ms"] == 1000,
          "explain --format json on a path template: %s" % view.get("stages"))
    code, _, err = run(ctl, "explain", "--plugin-dir", plugins, "-c", engine, "GET", "/nowhere")
    check(code == 1 and "no endpoint matches" in err, "explain of an unknown path exits 1")
    code, _, err = run(ctl, "explain", "--plugin-dir", plugins, "-c", engine, "DELETE", "/home/1")
    check(code == 1 and "served for GET" in err, "explain names the allowed methods: " + err.strip())

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
