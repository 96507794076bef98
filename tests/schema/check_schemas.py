#!/usr/bin/env python3
"""The config schemas in docs/schema/ against the files and the loader they describe.

1. Both schemas are valid draft 2020-12 schemas.
2. Every example and demo file validates: pipelines/, packaging/ (the shipped config's pipelines
   and the plugin template's example), and the YAML blocks of README.md.
3. The schemas and the loader agree on every key. For each closed mapping of the schemas (the
   top level, each section, a downstream, a step...), a config with an unknown key at that place
   is given to `mosaicctl validate --format json`; the loader's error lists the keys it accepts
   ("expected one of: ..."), which must be the schema's keys, no more, no fewer. A mapping in the
   schemas must be closed, a map of names, or marked "x-mosaic-open" (plugin configs, `with`,
   `response`), so a new section cannot slip past this check.
4. The schemas reject what the loader rejects for a typo'd key (a sanity check of 3's premise).

Run by ctest (tests/schema/CMakeLists.txt) with Debian's python3-jsonschema and python3-yaml.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

PROBE = "zz_probe_unknown_key"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def load_schema(path):
    with open(path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def resolve(schema, root):
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        node = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def is_object_schema(schema):
    t = schema.get("type")
    return t == "object" or (isinstance(t, list) and "object" in t)


def closed_mappings(schema, root, path=()):
    """Yields (path, set of keys) for each closed mapping; '*' in a path stands for any name."""
    schema = resolve(schema, root)
    if not isinstance(schema, dict) or schema.get("x-mosaic-open"):
        return
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        yield from closed_mappings(branch, root, path)
    if not is_object_schema(schema):
        return
    extra = schema.get("additionalProperties", True)
    if extra is False:
        props = schema.get("properties", {})
        yield path, set(props)
        for key, sub in props.items():
            yield from closed_mappings(sub, root, path + (key,))
    elif isinstance(extra, dict) and "propertyNames" in schema:
        yield from closed_mappings(extra, root, path + ("*",))
    else:
        fail("schema mapping at '%s' is neither closed, a map of names, nor marked x-mosaic-open"
             % ".".join(path))


def set_at(document, path, key, value):
    node = document
    for part in path:
        if part == "*":
            if not node:
                node["probe"] = {}
            part = next(iter(node))
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[key] = value


class Probe:
    def __init__(self, mosaicctl, plugin_dir, folder):
        self.mosaicctl = mosaicctl
        self.plugin_dir = os.path.abspath(plugin_dir)
        self.folder = folder

    def base(self):
        engine = {"plugins": {"paths": [self.plugin_dir]},
                  "downstreams": {"svc": {"plugin": "mock"}},
                  "pipelines": ["probe-pipeline.yaml"]}
        pipeline = {"endpoint": "GET /probe", "steps": {"one": {"call": "svc"}}}
        return engine, pipeline

    def run(self, engine, pipeline):
        with open(os.path.join(self.folder, "probe.yaml"), "w") as f:
            yaml.safe_dump(engine, f)
        with open(os.path.join(self.folder, "probe-pipeline.yaml"), "w") as f:
            yaml.safe_dump(pipeline, f)
        done = subprocess.run([self.mosaicctl, "validate", "--format", "json",
                               os.path.join(self.folder, "probe.yaml")],
                              capture_output=True, text=True, timeout=120)
        report = json.loads(done.stdout)
        return done.returncode, [e for f in report["files"] for e in f["errors"]]

    def loader_keys(self, kind, path):
        """The keys the loader accepts at `path` of an engine or pipeline file, or None."""
        engine, pipeline = self.base()
        set_at(engine if kind == "engine" else pipeline, path, PROBE, 1)
        code, errors = self.run(engine, pipeline)
        for error in errors:
            m = re.search(r"unknown key '%s' in .* \(expected one of: (.*)\)$" % PROBE, error["message"])
            if m:
                if error["line"] < 1 or error["col"] < 1:
                    fail("the loader's unknown-key error has no line:col: %s" % error)
                return set(k.strip() for k in m.group(1).split(","))
        fail("%s: a key unknown at '%s' was not refused as such (exit %d, errors %s)"
             % (kind, ".".join(path) or "<top>", code, errors))
        return None


def yaml_files(source):
    """(path, kind) of every example file; kind from the content (a pipeline has `endpoint`)."""
    paths = sorted(glob.glob(os.path.join(source, "pipelines", "**", "*.yaml"), recursive=True))
    paths += sorted(glob.glob(os.path.join(source, "packaging", "etc", "pipelines", "*.yaml")))
    paths += sorted(glob.glob(os.path.join(source, "packaging", "plugin-template", "example", "**", "*.yaml"),
                              recursive=True))
    return paths


def readme_blocks(source):
    with open(os.path.join(source, "README.md")) as f:
        text = f.read()
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def check_document(name, document, schemas):
    if not isinstance(document, dict):
        fail("%s: not a mapping" % name)
        return
    kind = "pipeline" if "endpoint" in document else "engine"
    validator = jsonschema.Draft202012Validator(schemas[kind])
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for e in errors:
        fail("%s (%s schema): at %s: %s" % (name, kind, "/".join(map(str, e.path)) or "<top>", e.message))
    if not errors:
        print("ok: %s validates against the %s schema" % (name, kind))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--mosaicctl", required=True)
    parser.add_argument("--plugin-dir", required=True)
    args = parser.parse_args()

    schema_dir = os.path.join(args.source, "docs", "schema")
    schemas = {"engine": load_schema(os.path.join(schema_dir, "mosaic.schema.json")),
               "pipeline": load_schema(os.path.join(schema_dir, "pipeline.schema.json"))}

    # 2. examples and demos
    files = yaml_files(args.source)
    if len(files) < 4:
        fail("expected the demo files under pipelines/, found %s" % files)
    for path in files:
        with open(path) as f:
            check_document(os.path.relpath(path, args.source), yaml.safe_load(f), schemas)
    blocks = readme_blocks(args.source)
    if not blocks:
        fail("README.md has no ```yaml blocks to check")
    for i, block in enumerate(blocks):
        check_document("README.md yaml block %d" % (i + 1), yaml.safe_load(block), schemas)

    # 3. schema keys == loader keys, everywhere
    with tempfile.TemporaryDirectory() as folder:
        probe = Probe(args.mosaicctl, args.plugin_dir, folder)
        code, errors = probe.run(*probe.base())
        if code != 0:
            fail("the probe's base config is not valid: %s" % errors)
        checked = 0
        for kind in ("engine", "pipeline"):
            for path, schema_keys in closed_mappings(schemas[kind], schemas[kind]):
                loader_keys = probe.loader_keys(kind, path)
                if loader_keys is None:
                    continue
                checked += 1
                where = "%s %s" % (kind, ".".join(path) or "<top>")
                for key in sorted(loader_keys - schema_keys):
                    fail("%s: the loader accepts '%s' but the schema does not have it" % (where, key))
                for key in sorted(schema_keys - loader_keys):
                    fail("%s: the schema has '%s' but the loader refuses it" % (where, key))
                if loader_keys == schema_keys:
                    print("ok: %s: schema and loader agree on %s" % (where, ", ".join(sorted(schema_keys))))
        if checked < 8:
            fail("only %d mappings were compared; expected every section" % checked)

    # 4. the schemas refuse a typo, as the loader does
    typo = {"endpoint": "GET /x", "steps": {"a": {"call": "svc", "clas": "critical"}}}
    if jsonschema.Draft202012Validator(schemas["pipeline"]).is_valid(typo):
        fail("the pipeline schema accepts a typo'd step key")
    if jsonschema.Draft202012Validator(schemas["engine"]).is_valid({"sever": {}}):
        fail("the engine schema accepts a typo'd section")

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all schema checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
