"""The web app's static files at / (server/static.c): types, caching, ETag and 304, the
security headers on HTML and on the service worker, the manifest and icons of the installable
app, the app's own pages falling back to index.html, and nothing outside the folder, no
dotfiles, nothing under /v1/."""
import os

import pytest

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24


@pytest.fixture
def web(tmp_path, pnetd_factory):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>pnet</title>")
    (root / "assets" / "index-AbC123.js").write_text("console.log(1)")
    (root / "assets" / "index-AbC123.css").write_text("body{}")
    (root / "favicon.svg").write_text("<svg/>")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "pnet"}')
    (root / "icons").mkdir()
    (root / "icons" / "pnet-192.png").write_bytes(PNG)
    (root / "assets" / "sw.js").write_text("// not the service worker")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    server = pnetd_factory(f"--web-dir={root}")
    from harness import Api
    api = Api(server.base_url)
    yield api
    api.close()


def test_index_and_app_pages_are_html_with_security_headers(web):
    for path in ("/", "/index.html", "/inbox", "/cases/1f0e6c1e-0000-4000-8000-000000000001"):
        r = web.get(path, auth=False)
        assert r.status_code == 200, path
        assert r.text == "<!doctype html><title>pnet</title>"
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.headers["Content-Security-Policy"] == CSP
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-cache"


def test_assets_have_types_and_are_cached_for_a_year(web):
    r = web.get("/assets/index-AbC123.js", auth=False)
    assert r.status_code == 200 and r.text == "console.log(1)"
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" not in r.headers
    assert web.get("/assets/index-AbC123.css", auth=False).headers["Content-Type"] == \
        "text/css; charset=utf-8"
    r = web.get("/favicon.svg", auth=False)
    assert (r.headers["Content-Type"], r.headers["Cache-Control"]) == ("image/svg+xml", "no-cache")


def test_the_service_worker_carries_the_policy_and_is_never_kept_stale(web):
    r = web.get("/sw.js", auth=False)
    assert r.status_code == 200 and r.text == "self.addEventListener('fetch', () => {})"
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    # Its own fetches obey the policy of its script's answer; a browser looks for a new one
    # on every start of the app.
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["Cache-Control"] == "no-cache"
    assert "X-Frame-Options" not in r.headers
    # Only the worker at the root is the app's: another sw.js is an ordinary asset.
    r = web.get("/assets/sw.js", auth=False)
    assert "Content-Security-Policy" not in r.headers
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_manifest_and_icons_of_the_installable_app(web):
    r = web.get("/manifest.webmanifest", auth=False)
    assert r.status_code == 200 and r.json() == {"name": "pnet"}
    assert r.headers["Content-Type"] == "application/manifest+json"
    assert r.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" not in r.headers
    r = web.get("/icons/pnet-192.png", auth=False)
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["Content-Type"] == "image/png"


def test_etag_and_if_none_match(web):
    r = web.get("/assets/index-AbC123.js", auth=False)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and len(etag) == 18
    r = web.get("/assets/index-AbC123.js", headers={"If-None-Match": etag}, auth=False)
    assert r.status_code == 304 and r.content == b""
    assert r.headers["ETag"] == etag
    r = web.get("/assets/index-AbC123.js", headers={"If-None-Match": f'"x", W/{etag}'}, auth=False)
    assert r.status_code == 304
    r = web.get("/assets/index-AbC123.js", headers={"If-None-Match": '"other"'}, auth=False)
    assert r.status_code == 200 and r.text == "console.log(1)"


def test_head_answers_headers_only(web):
    r = web.request("HEAD", "/", auth=False)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("path", [
    "/.env", "/assets/missing.js", "/link.txt", "/%2e%2e/outside.txt", "/assets/%2e%2e/.env",
    "/..%2foutside.txt", "/assets//index-AbC123.js", "/a%00b",
])
def test_nothing_outside_no_dotfiles_no_missing_files(web, path):
    r = web.get(path, auth=False)
    assert r.status_code == 404, path
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["status"] == 404 and "SECRET=1" not in r.text


def test_api_paths_and_other_methods_are_not_the_apps(web):
    r = web.get("/v1/nothing-here", auth=False)
    assert r.status_code == 404
    assert r.json()["detail"] == "There is nothing at /v1/nothing-here."
    r = web.post("/inbox", json={}, auth=False)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    assert web.get("/healthz", auth=False).status_code == 200


def test_without_a_web_dir_nothing_is_served(pnetd_factory, tmp_path):
    server = pnetd_factory(f"--web-dir={tmp_path / 'missing'}")
    from harness import Api
    api = Api(server.base_url)
    r = api.get("/", auth=False)
    assert r.status_code == 404
    assert r.json()["detail"] == "There is nothing at /."
    api.close()
