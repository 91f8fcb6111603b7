// The offline copy: the API's answers to this session's reads (GET), kept in Cache Storage so
// that the pages the user opened (the inbox, the referrals, the cases) stay readable without
// a network. It holds social data, so it belongs to one login session of one account:
//   - one cache per session, named pnet-data-<random id> and known only to the tab that
//     logged in (sessionStorage), so that no other account on this browser ever reads it;
//   - its first entry (META) names the account and the session's end (the token's
//     expires_at): after that it is deleted, whatever tab starts next;
//   - logout deletes every such cache of the account (other tabs' too), the end of a
//     session (401) this one; a tab whose copy was deleted so stops keeping one.
// Only the accounts of a node (caseworkers) keep one: their inbox and cases are what must
// travel. docs/architecture.md, "The app offline".

const PREFIX = "pnet-data-";
const NAME_KEY = "pnet.readcache";
const META = "/__pnet/session";
const STORED_AT = "X-Pnet-Stored-At";

let name = null; // this session's cache, when it keeps one
let expiresAt = 0; // the session's end, in ms
let served = []; // when each answer read from the copy since the last mark() was stored

function usable() {
	return typeof caches !== "undefined";
}

async function metaOf(cacheName) {
	try {
		const cache = await caches.open(cacheName);
		const res = await cache.match(META);
		return res ? await res.json() : null;
	} catch {
		return null;
	}
}

// Delete the copies of ended sessions (and broken ones), and with accountId every copy of
// that account, but this tab's own unless it is asked for.
async function sweep(accountId, includingOwn = false) {
	if (!usable()) return;
	const names = (await caches.keys()).filter((n) => n.startsWith(PREFIX));
	await Promise.all(
		names.map(async (n) => {
			if (n === name && !includingOwn) return;
			const meta = await metaOf(n);
			const ended = !meta || !(Date.parse(meta.expires_at) > Date.now());
			if (ended || (accountId && meta.account_id === accountId)) await caches.delete(n);
		}),
	);
}

export const readCache = {
	// A session begins (a login): a fresh copy for account until expires (RFC 3339). Copies
	// of ended sessions on this browser are dropped.
	async begin(account, expires) {
		this.end();
		if (!usable() || !account.node_id) return;
		await sweep(null).catch(() => null);
		const id = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
		const fresh = PREFIX + id;
		const cache = await caches.open(fresh);
		await cache.put(META, new Response(JSON.stringify({ account_id: account.id, expires_at: expires }), { headers: { "Content-Type": "application/json" } }));
		name = fresh;
		expiresAt = Date.parse(expires);
		sessionStorage.setItem(NAME_KEY, fresh);
	},

	// The app starts in a tab that is logged in: take up its copy again, if it is still there
	// and its session has not ended; copies of ended sessions go.
	async resume() {
		if (!usable()) return;
		const stored = sessionStorage.getItem(NAME_KEY);
		name = null;
		if (stored && stored.startsWith(PREFIX) && (await caches.has(stored))) {
			const meta = await metaOf(stored);
			if (meta && Date.parse(meta.expires_at) > Date.now()) {
				name = stored;
				expiresAt = Date.parse(meta.expires_at);
			}
		}
		if (!name) sessionStorage.removeItem(NAME_KEY);
		await sweep(null).catch(() => null);
	},

	// Whether this session keeps a copy at all; once the session has ended, its copy goes.
	active() {
		if (name && Date.now() >= expiresAt) this.end(true);
		return Boolean(name);
	},

	// Keep the answer to GET path (its data as parsed JSON).
	async store(path, data) {
		if (!this.active()) return;
		const own = name;
		try {
			// A logout (here or in another tab of the account) has deleted the copy: it is
			// not made again.
			if (!(await caches.has(own))) {
				if (own === name) this.end();
				return;
			}
			const cache = await caches.open(own);
			await cache.put(path, new Response(JSON.stringify(data), { headers: { "Content-Type": "application/json", [STORED_AT]: new Date().toISOString() } }));
		} catch {
			/* a full disk or a refused cache: the page works on, only not offline */
		}
	},

	// The kept answer to GET path: { data, storedAt } or null.
	async recall(path) {
		if (!name) return null;
		if (Date.now() >= expiresAt) {
			await this.end(true);
			return null;
		}
		// Without opening it, which would make a deleted copy again.
		const res = await caches.match(path, { cacheName: name });
		if (!res) return null;
		const storedAt = res.headers.get(STORED_AT);
		served.push(storedAt);
		return { data: await res.json(), storedAt };
	},

	// The page starts being drawn: forget what the last one read from the copy.
	mark() {
		served = [];
	},

	// When the oldest answer the page read from the copy since mark() was stored (RFC 3339),
	// or null when it read none.
	oldestServed() {
		return served.length ? served.slice().sort()[0] : null;
	},

	// The session ends: with drop, its copy is deleted (the 401 of an ended session).
	async end(drop = false) {
		const own = name;
		name = null;
		expiresAt = 0;
		served = [];
		sessionStorage.removeItem(NAME_KEY);
		if (drop && own && usable()) await caches.delete(own);
	},

	// Logout: every copy of the account on this browser is deleted, this tab's first.
	async forgetAccount(accountId) {
		await this.end(true);
		if (usable()) await sweep(accountId, true);
	},
};
