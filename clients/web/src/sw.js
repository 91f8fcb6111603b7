// The service worker: it keeps the app shell (the built files the build lists in SHELL, see
// vite.config.js) so that the app starts without a network, and nothing else. It never
// touches the API: the answers kept for reading offline are the app's own, per session
// (readcache.js), and writes made offline wait in the app's queue (queue.js). The build puts
// VERSION (a hash of every shipped file) and SHELL in front of this file as dist/sw.js, so a
// new build is a new worker that keeps its own shell and drops the old one.
// docs/architecture.md, "The app offline".

const CACHE = `pnet-shell-${VERSION}`;

self.addEventListener("install", (event) => {
	event.waitUntil(
		caches
			.open(CACHE)
			// Past the browser's HTTP cache: the shell must be this build's files.
			.then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "no-cache" }))))
			.then(() => self.skipWaiting()),
	);
});

self.addEventListener("activate", (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((names) => Promise.all(names.filter((n) => n.startsWith("pnet-shell-") && n !== CACHE).map((n) => caches.delete(n))))
			.then(() => self.clients.claim()),
	);
});

function isApi(url) {
	return url.pathname === "/v1" || url.pathname.startsWith("/v1/");
}

// One of the app's own pages, which pnetd answers with index.html (server/static.c): the last
// segment of the path names no file.
function isAppPage(url) {
	return !url.pathname.slice(url.pathname.lastIndexOf("/") + 1).includes(".");
}

self.addEventListener("fetch", (event) => {
	const request = event.request;
	const url = new URL(request.url);
	if (request.method !== "GET" || url.origin !== self.location.origin || isApi(url)) return;
	if (request.mode === "navigate") event.respondWith(page(request, url));
	else if (SHELL.includes(url.pathname)) event.respondWith(shellFile(request, url));
});

// A page from the network, so that a new version of the app shows at once; without one, the
// shell kept here.
async function page(request, url) {
	try {
		return await fetch(request);
	} catch (e) {
		const cache = await caches.open(CACHE);
		const kept = await cache.match(isAppPage(url) ? "/index.html" : url.pathname);
		if (kept) return kept;
		throw e;
	}
}

// A file of the shell as kept: the assets' names carry their content's hash, and the other
// files change only with a new build, which is a new worker.
async function shellFile(request, url) {
	const cache = await caches.open(CACHE);
	return (await cache.match(url.pathname)) || fetch(request);
}
