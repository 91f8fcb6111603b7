"""The browser without a network, for the tests of the app offline (clients/web/src/offline.js,
readcache.js, queue.js, sw.js).

DevTools' network emulation of a page does not reach the fetches of its service worker, which
is a target of its own, and Chromium may stop the worker and start it afresh (a new target)
while the page is offline. Offline therefore takes the page off the network and, through a
DevTools connection of its own to the browser (cdp_support.Cdp), auto-attaches to every
service worker target, the running ones and any started meanwhile (Target.setAutoAttach,
flatten, waitForDebuggerOnStart): a new worker waits until its session is offline too
(Target.attachedToTarget: Network.emulateNetworkConditions, then
Runtime.runIfWaitingForDebugger), so that not one of its fetches goes out first. It checks
that the page really is offline, and on leaving checks in pnetd's log that no request of the
browser reached the server meanwhile."""
import datetime
import itertools
import threading
import time

from cdp_support import Cdp

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
        self.cdp = None
        self.lock = threading.Lock()
        self.workers = {}  # session id -> target id of each service worker taken offline
        self.pending = []  # ids of the emulation commands sent to them
        self.mark = 0

    def _attached(self, method, params, session_id):
        """On the reading thread: a target auto-attached (one running when the helper began,
        or one started meanwhile, held until it is offline)."""
        if method != "Target.attachedToTarget":
            return
        session, target = params["sessionId"], params["targetInfo"]
        if target["type"] == "service_worker":
            self.cdp.send("Network.enable", {}, session)
            sent = self.cdp.send("Network.emulateNetworkConditions", OFFLINE, session)
            with self.lock:
                self.workers[session] = target["targetId"]
                self.pending.append(sent)
        if params.get("waitingForDebugger"):
            self.cdp.send("Runtime.runIfWaitingForDebugger", {}, session)

    def _workers(self):
        targets = self.b.d.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
        return [t["targetId"] for t in targets
                if t["type"] == "service_worker" and t["url"].startswith(self.b.base)]

    def _all_offline(self, running):
        """Whether each worker in running has a session whose emulation DevTools confirmed."""
        with self.lock:
            sent, offline = list(self.pending), set(self.workers.values())
        for command in sent:
            self.cdp.wait(command)
            with self.lock:
                self.pending.remove(command)
        return set(running) <= offline

    def __enter__(self):
        d = self.b.d
        running = self._workers()
        assert running, "no service worker to take offline: is the app's sw.js registered?"
        self.mark = len(self.server.records())
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
        self.cdp = Cdp(d, self._attached)
        self.cdp.call("Target.setAutoAttach", {
            "autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True,
            "filter": [{"type": "service_worker", "exclude": False}, {"exclude": True}]})
        self.b.wait_for(lambda: self._all_offline(running),
                        what="every service worker attached and offline")
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
        self.cdp.call("Target.setAutoAttach", {"autoAttach": False,
                                               "waitForDebuggerOnStart": False, "flatten": True})
        with self.lock:
            sessions = list(self.workers)
            self.workers = {}
        for session in sessions:
            try:
                self.cdp.call("Network.emulateNetworkConditions", ONLINE, session)
                self.cdp.call("Target.detachFromTarget", {"sessionId": session})
            except Exception:  # a worker stopped meanwhile: its session is gone with it
                pass
        self.cdp.close()
        self.cdp = None
        d.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
        d.execute_cdp_cmd("Network.disable", {})
        if exc[0] is None:
            # Not the app's: the event stream opened before going offline ends meanwhile and
            # is logged then; the browser itself looks for a new sw.js on each navigation,
            # outside of both targets' emulation. Anything else, a read as much as a write,
            # went out while the app was to be offline.
            leaked = [r for r in since
                      if "path" in r and r.get("path") not in ("/v1/events", "/sw.js")
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
