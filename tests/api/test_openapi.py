"""docs/openapi.yaml describes exactly the routes pnetd serves, and pnetd serves it."""
import pathlib
import re
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def documented():
    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    pairs = set()
    for path, item in doc["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                pairs.add((method.upper(), path))
    return doc, pairs


def served(pnetd_exe):
    out = subprocess.run([pnetd_exe, "routes"], capture_output=True, text=True, check=True)
    return {tuple(line.split(" ", 1)) for line in out.stdout.splitlines() if line}


def test_openapi_yaml_is_assembled_from_the_fragments():
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "docs/openapi/assemble.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_route_is_documented_and_nothing_more(pnetd_exe):
    _, docs = documented()
    routes = served(pnetd_exe)
    assert routes, "pnetd routes printed nothing"
    assert routes - docs == set(), f"routes missing from docs/openapi.yaml: {sorted(routes - docs)}"
    assert docs - routes == set(), f"documented but not served: {sorted(docs - routes)}"


def test_every_reference_resolves():
    doc, _ = documented()
    text = (ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8")
    for ref in set(re.findall(r"\$ref: '?#/([^'\s}]+)", text)):
        node = doc
        for part in ref.split("/"):
            assert part in node, f"unresolved $ref #/{ref}"
            node = node[part]


def test_served_at_v1_openapi_yaml(api):
    r = api.get("/v1/openapi.yaml", auth=False)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(r.text)["openapi"].startswith("3.1")
