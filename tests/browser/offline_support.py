"""The browser without a network, for the tests of the app offline (clients/web/src/offline.js,
readcache.js, queue.js, sw.js).

DevTools' network emulation of a page does not reach the fetches of its service worker, which
is a target of its own, and Chromium may stop the worker and start it afresh (a new target)
while the page is offline. Offline therefore takes the page off the network and, through a
DevTools connection of its own to the browser (cdp_support.Cdp), auto-attaches to every
service worker target, the running ones and any started meanwhile (Target.setAutoAttach,
flatten, waitForDebuggerOnStart): a new worker waits until its session is offline too
(Target.attachedToTarget: Network.emulateNetworkConditions, then
Runtime.runIfWaitingForDebugger), so that not one of its fetches goes out first.

The emulation alone leaves a gap at every navigation while offline (a reload, an address
typed): the new document starts with navigator.onLine true, the emulation reaching it only
later, and the document being left is told "online" meanwhile and reloads what it shows; their
requests went out before the network emulation had caught up too, now and then in full runs
(the inbox's reads reached pnetd about a second after going offline, the one worker offline
all along). So, for as long as the helper is offline:
- every new document of the page finds navigator.onLine false from its first script on, as
  on a device without a network (Page.addScriptToEvaluateOnNewDocument; a flag the helper
  clears on leaving lets it follow the browser again);
- the page and each worker have their requests intercepted (Fetch.enable on a session of this
  helper's, answered once interception is in place, kept across navigations) and failed as
  the network would (Fetch.failRequest, InternetDisconnected); a new worker is released only
  after its emulation and interception are answered.
It checks that the page really is offline, and on leaving checks in pnetd's log that no request
of the browser reached the server meanwhile."""
import datetime
import itertools
import threading
import time

from cdp_support import Cdp

OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
# For the documents loaded while offline: navigator.onLine false until the helper says online.
OFFLINE_FROM_THE_START = """
(() => {
    const browserSays = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine").get;
    window.__pnetTestOffline = true;
    Object.defineProperty(Navigator.prototype, "onLine", {
        configurable: true, enumerable: true,
        get() { return window.__pnetTestOffline ? false : browserSays.call(this); },
    });
})();
"""
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
        self.pending = []  # ids of the emulation and interception commands sent to them
        self.attached = []  # (time, target id, started meanwhile) of each worker, for a failure
        self.failed = []  # (time, page or worker, URL) of each request failed meanwhile
        self.pages = []  # session ids of the app's pages, their requests intercepted
        self.mark = 0

    def _attached(self, method, params, session_id):
        """On the reading thread: a target auto-attached (one running when the helper began,
        or one started meanwhile, held until it is offline), or a request of one paused."""
        if method == "Fetch.requestPaused":
            self.cdp.send("Fetch.failRequest", {"requestId": params["requestId"],
                                                "errorReason": "InternetDisconnected"}, session_id)
            with self.lock:
                who = "page" if session_id in self.pages else "worker"
                self.failed.append((round(time.time(), 3), who, params["request"]["url"]))
            return
        if method != "Target.attachedToTarget":
            return
        session, target = params["sessionId"], params["targetInfo"]
        sent = []
        if target["type"] == "service_worker":
            sent = [self.cdp.send("Network.enable", {}, session),
                    self.cdp.send("Network.emulateNetworkConditions", OFFLINE, session),
                    self.cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)]
            with self.lock:
                self.workers[session] = target["targetId"]
                self.attached.append((round(time.time(), 3), target["targetId"],
                                      bool(params.get("waitingForDebugger"))))
                if not params.get("waitingForDebugger"):
                    self.pending += sent  # a running worker: __enter__ waits for them
        if params.get("waitingForDebugger"):
            # Not on this thread, which must read the answers: released once they are in.
            threading.Thread(target=self._release, args=(session, sent), daemon=True).start()

    def _release(self, session, sent):
        try:
            for command in sent:
                self.cdp.wait(command)
        finally:
            self.cdp.send("Runtime.runIfWaitingForDebugger", {}, session)

    def _intercept_pages(self):
        """Every page of the app fails its requests from now on, in each document it loads."""
        targets = self.cdp.call("Target.getTargets", {})["targetInfos"]
        for target in targets:
            if target["type"] == "page" and target["url"].startswith(self.b.base):
                session = self.cdp.call("Target.attachToTarget",
                                        {"targetId": target["targetId"], "flatten": True})
                self.pages.append(session["sessionId"])
                self.cdp.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]},
                              session["sessionId"])
        assert self.pages, "no page of the app to take offline"

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
        self.script = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                        {"source": OFFLINE_FROM_THE_START})["identifier"]
        self.cdp = Cdp(d, self._attached)
        self.cdp.call("Target.setAutoAttach", {
            "autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True,
            "filter": [{"type": "service_worker", "exclude": False}, {"exclude": True}]})
        self.b.wait_for(lambda: self._all_offline(running),
                        what="every service worker attached and offline")
        self._intercept_pages()
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
        for session in self.pages:
            self.cdp.call("Fetch.disable", {}, session)
            self.cdp.call("Target.detachFromTarget", {"sessionId": session})
        self.pages = []
        self.cdp.close()
        self.cdp = None
        d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self.script})
        # A document loaded while offline may never have had the browser's own offline (see
        # above): it is told it is online as the browser would tell it.
        d.execute_script("if (window.__pnetTestOffline) {"
                         " window.__pnetTestOffline = false;"
                         " window.dispatchEvent(new Event('online')); }")
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
            assert not leaked, (f"requests reached pnetd while offline: {leaked}; offline from"
                                f" {self.offline_from:.3f}, workers (time, target, started"
                                f" meanwhile): {self.attached}, failed: {self.failed}")
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
