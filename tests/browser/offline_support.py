"""The browser without a network, for the tests of the app offline (clients/web/src/offline.js,
readcache.js, queue.js, sw.js).

DevTools' network emulation of a page does not reach the fetches of its service worker, which
is a target of its own: Offline takes both off the network (the worker through a DevTools
session attached to its target, as DevTools' own "Offline" does), checks that the page
really is offline, and on leaving checks in pnetd's log that no write of the browser
reached the server meanwhile (reads: see __exit__)."""
import datetime
import itertools
import json
import time

OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
TEST_REQUEST = "offline-test-"  # the X-Request-Id of the test's own API calls meanwhile
_ids = itertools.count(1000)


def controlled(browser, timeout=60):
    """Waits until the service worker has taken over the page (installed, its shell kept)."""
    browser.wait_for(lambda: browser.d.execute_script(
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"),
        timeout, what="the service worker controlling the page")


def as_test(client, method, path, **kw):
    """An API call of the test itself while the browser is offline (told apart in the log)."""
    headers = dict(kw.pop("headers", {}))
    headers["X-Request-Id"] = f"{TEST_REQUEST}{next(_ids)}"
    return client.request(method, path, headers=headers, **kw)


def started_at(record):
    """The earliest moment pnetd can have begun a logged request (epoch seconds): its log time
    less its duration, less 2 ms for the whole milliseconds of both."""
    when = datetime.datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    when = when.replace(tzinfo=datetime.timezone.utc).timestamp()
    return when - record.get("ms", 0) / 1000 - 0.002


class Offline:
    """with Offline(browser, web_pnetd): ... the page and its service worker have no network."""

    def __init__(self, browser, server):
        self.b = browser
        self.server = server
        self.sessions = []
        self.mark = 0

    def _workers(self):
        targets = self.b.d.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
        return [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(self.b.base)]

    def _send(self, session, method, params):
        message = {"id": next(_ids), "method": method, "params": params}
        self.b.d.execute_cdp_cmd("Target.sendMessageToTarget",
                                 {"sessionId": session, "message": json.dumps(message)})

    def __enter__(self):
        d = self.b.d
        workers = self._workers()
        assert workers, "no service worker to take offline: is the app's sw.js registered?"
        self.mark = len(self.server.records())
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
        for w in workers:
            session = d.execute_cdp_cmd("Target.attachToTarget",
                                        {"targetId": w["targetId"], "flatten": False})["sessionId"]
            self.sessions.append(session)
            self._send(session, "Network.enable", {})
            self._send(session, "Network.emulateNetworkConditions", OFFLINE)
        self.b.allow_offline()
        self.b.wait_for(lambda: d.execute_script("return navigator.onLine") is False,
                        what="navigator.onLine false")
        failed = d.execute_async_script(
            "const done = arguments[0];"
            " fetch('/healthz', {cache: 'no-store'}).then(() => done(false), () => done(true));")
        assert failed, "the page still reaches the server"
        # From here on nothing may reach pnetd. A request the page started before (a count or
        # a list it refreshes on an event) is logged at its end, maybe after this moment: what
        # counts is when it started, its log time less its duration.
        self.offline_from = time.time()
        return self

    def __exit__(self, *exc):
        d = self.b.d
        # What reached pnetd while offline, read before the network is back.
        since = self.server.records()[self.mark:]
        for session in self.sessions:
            self._send(session, "Network.emulateNetworkConditions", ONLINE)
            d.execute_cdp_cmd("Target.detachFromTarget", {"sessionId": session})
        self.sessions = []
        d.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
        d.execute_cdp_cmd("Network.disable", {})
        if exc[0] is None:
            # Not the app's: the event stream opened before going offline ends meanwhile and
            # is logged then; the browser itself looks for a new sw.js on each navigation,
            # outside of both targets' emulation.
            # Only writes count: DevTools' emulation holds for the worker target it was given,
            # and Chromium may start the service worker afresh (a new target) while the page
            # is offline, whose reads then reach pnetd. What a test reads offline is shown to
            # come from the copy by the page itself ("gespeicherter Stand vom ..."); a write
            # that reaches pnetd would be a move sent instead of queued, the failure that matters.
            leaked = [r for r in since
                      if "path" in r and r.get("path") not in ("/v1/events", "/sw.js")
                      and r.get("method") not in ("GET", "HEAD")
                      and not str(r.get("request_id", "")).startswith(TEST_REQUEST)
                      and started_at(r) >= self.offline_from]
            assert not leaked, f"requests reached pnetd while offline: {leaked}"
        self.b.wait_for(lambda: d.execute_script("return navigator.onLine") is True,
                        what="navigator.onLine true")
        return False


def cache_state(browser):
    """What Cache Storage and IndexedDB hold for this origin: {caches: {name: [url, ...]},
    owners: {name: account id of an offline copy}, databases: [name, ...]}."""
    return browser.d.execute_async_script("""
const done = arguments[0];
(async () => {
    const out = {caches: {}, owners: {}, databases: []};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        out.caches[name] = (await cache.keys()).map((r) => r.url);
        const meta = await cache.match('/__pnet/session');
        if (meta) out.owners[name] = (await meta.json()).account_id;
    }
    out.databases = (await indexedDB.databases()).map((d) => d.name);
    return out;
})().then(done, (e) => done({error: String(e)}));
""")
