// The queue of writes made offline: each waits in IndexedDB until the server can take it,
// and they are sent in the order they were made, each with the version the user saw
// (If-Match). A write the server refuses because its object changed meanwhile (412) or can
// no longer take it (409) is never dropped: it stays, marked as a conflict together with
// what the server holds now, until the user applies it again on the new version or discards
// it; any other refusal stays too, to be read and discarded. Nothing is sent twice at once:
// tabs of the same account take turns (Web Locks).
//
// What can be queued is a kind, registered with registerKind(name, kind) (queue-transition.js
// registers a referral's moves); a kind is
//   send(item)          the write: a promise of the server's answer, ApiError on refusal
//   title(item)         what it is, in the user's words ("Annehmen · Fall AE-12")
//   href(item)          the page of the object it changes
//   inspect(item)       what the server holds now (after a refusal): kept as item.current
//   changes(item)       what changed since the user saw it, as sentences (from item.current)
//   again(item)         { if_match, context } to apply it again on the object as it is now
//                       (item.current), or null when that cannot work
// An item is { id, kind, key (the object's id), payload, if_match, context (what the user saw,
// for the kind's words), created_at, state: waiting | conflict | failed, problem, current }.
//
// One database per account (pnet-queue-<account id>), there only while something waits in it:
// it is made by the first write queued and deleted when the last one is sent or discarded.
// Another account on this browser never sees it; logout deletes it; the end of a session
// (401) keeps it, so that the same account's next login sends what waits.
// docs/architecture.md, "The app offline".

const STORE = "writes";
const RETRY_MS = 30000;
const kinds = new Map();

export function registerKind(name, kind) {
	kinds.set(name, kind);
}

export function kindOf(item) {
	return kinds.get(item.kind);
}

function promised(request) {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}

function dbName(accountId) {
	return `pnet-queue-${accountId}`;
}

function openDb(name) {
	return new Promise((resolve, reject) => {
		const req = indexedDB.open(name, 1);
		req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
		req.onsuccess = () => {
			const db = req.result;
			// Another tab deletes the database (its logout, or its last write sent): let it.
			db.onversionchange = () => {
				db.close();
				if (queue.db === db) queue.db = null;
			};
			resolve(db);
		};
		req.onerror = () => reject(req.error);
	});
}

// Whether the database is there (without making it, which opening would).
async function exists(name) {
	if (!indexedDB.databases) return true;
	return (await indexedDB.databases()).some((d) => d.name === name);
}

// What a refusal means for an item: to wait and try again, or the user's decision.
function verdict(e) {
	if (e.status === 0 || e.status === 401 || e.status === 429 || e.status >= 500) return "later";
	return e.status === 412 || e.status === 409 ? "conflict" : "failed";
}

export const queue = {
	account: null,
	db: null,
	items: [],
	listeners: new Set(),
	running: null,
	retry: null,

	// fn({ type, item }) after every change; type is queued, sent, conflict, failed,
	// discarded or loaded. Returns the way to stop listening.
	subscribe(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	},

	emit(type, item = null) {
		for (const fn of this.listeners) fn({ type, item });
	},

	// Work on the queue of accountId (a node's account).
	async open(accountId) {
		if (this.account === accountId) return this.reload();
		this.detach();
		if (typeof indexedDB === "undefined") return;
		this.account = accountId;
		await this.reload();
	},

	// The account's database, opened; made when create, else null when there is none.
	async database(create) {
		const account = this.account;
		if (this.db || !account) return this.db;
		if (!create && !(await exists(dbName(account)))) return null;
		const db = await openDb(dbName(account));
		if (this.account !== account || this.db) {
			db.close();
			return this.db;
		}
		this.db = db;
		return db;
	},

	// Stop working on the queue, keeping it (the session ended).
	detach() {
		clearTimeout(this.retry);
		if (this.db) this.db.close();
		this.db = null;
		this.account = null;
		this.items = [];
		this.emit("loaded");
	},

	// Logout: the queue of the account is deleted with whatever waits in it.
	async erase(accountId) {
		this.detach();
		if (typeof indexedDB !== "undefined") await promised(indexedDB.deleteDatabase(dbName(accountId))).catch(() => null);
	},

	// One request on the store; a database closed meanwhile (another tab deleted it) is
	// opened again, once.
	async request(mode, fn, create = mode === "readwrite") {
		for (let attempt = 0; ; attempt++) {
			const db = await this.database(create);
			if (!db) return undefined;
			try {
				return await promised(fn(db.transaction(STORE, mode).objectStore(STORE)));
			} catch (e) {
				if (attempt > 0 || e.name !== "InvalidStateError") throw e;
				if (this.db === db) this.db = null;
			}
		}
	},

	async reload() {
		const all = (await this.request("readonly", (store) => store.getAll())) || [];
		this.items = all.sort((a, b) => a.id - b.id);
		this.emit("loaded");
	},

	// fn() while no other tab of the account changes the queue (Web Locks, where there are).
	locked(fn) {
		return navigator.locks ? navigator.locks.request(dbName(this.account), fn) : fn();
	},

	// Nothing waits any more: nothing of it stays on the device. Called under locked().
	async dropIfEmpty() {
		if (this.items.length || !this.db) return;
		if ((await this.request("readonly", (store) => store.count(), false)) !== 0) return this.reload();
		const db = this.db;
		this.db = null;
		db.close();
		await promised(indexedDB.deleteDatabase(dbName(this.account))).catch(() => null);
	},

	// The item of kind waiting or refused for the object key, or null.
	pendingFor(kind, key) {
		return this.items.find((i) => i.kind === kind && i.key === key) || null;
	},

	// Queue a write; it is sent at once when the server is there.
	async add(kind, key, payload, { ifMatch = null, context = {} } = {}) {
		if (!this.account || !kinds.has(kind)) throw new Error(`no queue for ${kind}`);
		const item = { kind, key, payload, if_match: ifMatch, context, created_at: new Date().toISOString(), state: "waiting" };
		item.id = await this.locked(() => this.request("readwrite", (store) => store.add(item)));
		await this.reload();
		this.emit("queued", item);
		this.flush();
		return item;
	},

	async discard(id) {
		const item = this.items.find((i) => i.id === id);
		if (!item) return;
		await this.locked(async () => {
			await this.request("readwrite", (store) => store.delete(id), false);
			await this.reload();
			await this.dropIfEmpty();
		});
		this.emit("discarded", item);
	},

	// The user's decision on a conflict: the same write again, on the version the server
	// holds now.
	async applyAgain(id) {
		const item = this.items.find((i) => i.id === id);
		const rebased = item && kindOf(item).again(item);
		if (!rebased) return;
		const again = { ...item, ...rebased, state: "waiting", problem: null, current: null };
		await this.request("readwrite", (store) => store.put(again));
		await this.reload();
		this.emit("queued", again);
		await this.flush();
	},

	// Send what waits, in order; resolves when this round is over.
	flush() {
		if (!this.account) return Promise.resolve();
		if (!this.running) {
			const account = this.account;
			this.running = this.locked(() => this.sendAll(account))
				.catch(() => null)
				.finally(() => {
					this.running = null;
				});
		}
		return this.running;
	},

	async sendAll(account) {
		clearTimeout(this.retry);
		await this.reload(); // another tab may have sent some
		// An object with an earlier write still open holds back its later ones.
		const held = new Set();
		for (const item of this.items) {
			if (this.account !== account) return;
			if (item.state !== "waiting" || held.has(item.key)) {
				held.add(item.key);
				continue;
			}
			const kind = kindOf(item);
			try {
				await kind.send(item);
			} catch (e) {
				const what = verdict(e);
				if (what === "later") {
					if (e.status !== 0 && e.status !== 401) this.retry = setTimeout(() => this.flush(), RETRY_MS);
					return;
				}
				held.add(item.key);
				const refused = { ...item, state: what, problem: { status: e.status, ...(e.problem || {}) } };
				refused.current = await kind.inspect(refused).catch(() => null);
				if (this.account !== account) return;
				await this.request("readwrite", (store) => store.put(refused));
				await this.reload();
				this.emit(what, refused);
				continue;
			}
			if (this.account !== account) return;
			await this.request("readwrite", (store) => store.delete(item.id), false);
			await this.reload();
			this.emit("sent", item);
		}
		if (this.account === account) await this.dropIfEmpty();
	},
};
