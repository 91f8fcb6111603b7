// The pnet API from the browser: the login token lives in sessionStorage (gone when the tab
// closes); every failure becomes an ApiError carrying the problem+json body. Without a
// network (navigator.onLine false, or no answer) a read is answered from the session's
// offline copy when it holds one (readcache.js), and a write fails at once with status 0
// and problem.offline (the queue, queue.js, takes the writes that can wait).

const TOKEN_KEY = "pnet.token";

export class ApiError extends Error {
	constructor(status, problem) {
		super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
		this.status = status;
		this.problem = problem || {};
	}
}

export function token() {
	return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
	if (value) sessionStorage.setItem(TOKEN_KEY, value);
	else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
	onUnauthorized = fn;
}

// Where reads are kept for offline use ({ active(), store(path, data), recall(path) }), and
// who hears whether a request found the server (answered true or false).
let readCache = null;
let onNetwork = () => {};
export function keepReads(cache) {
	readCache = cache;
}
export function observeNetwork(fn) {
	onNetwork = fn;
}

// A fresh Idempotency-Key for one write: sent again with the same key (from the queue, or
// after a lost answer), the write is answered as the first time instead of being made twice.
export function newIdempotencyKey() {
	return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// blob: answer the body's bytes as they came (a download), not decoded text.
export async function request(method, path, { body, ifMatch, accept, idempotencyKey, blob } = {}) {
	const headers = { Accept: accept || "application/json" };
	const t = token();
	if (t) headers.Authorization = `Bearer ${t}`;
	if (body !== undefined) headers["Content-Type"] = "application/json";
	if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
	if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
	const keep = method === "GET" && !blob && !accept && readCache && readCache.active();
	let res;
	try {
		// Known to be offline: no request that can only fail.
		if (!navigator.onLine) throw new TypeError("offline");
		res = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		if (navigator.onLine) onNetwork(false);
		const kept = keep ? await readCache.recall(path).catch(() => null) : null;
		if (kept) return kept.data;
		throw new ApiError(0, { title: "network", detail: String(e), method, offline: !navigator.onLine });
	}
	onNetwork(true);
	if (res.status === 401 && t) {
		setToken(null);
		onUnauthorized();
	}
	if (res.status === 204) return null;
	if (blob && res.ok) return res.blob();
	const type = res.headers.get("Content-Type") || "";
	const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
	if (!res.ok) throw new ApiError(res.status, typeof data === "object" ? data : { detail: data });
	if (keep && type.includes("json")) readCache.store(path, data);
	return data;
}

export const get = (path, opts) => request("GET", path, opts);
export const post = (path, body, opts = {}) => request("POST", path, { ...opts, body });
export const put = (path, body, opts = {}) => request("PUT", path, { ...opts, body });
export const patch = (path, body, opts = {}) => request("PATCH", path, { ...opts, body });

// Every item of a paginated list (follows "next" up to a bound).
export async function all(path, max = 2000) {
	const items = [];
	let url = path + (path.includes("?") ? "&" : "?") + "limit=500";
	for (;;) {
		const page = await get(url);
		items.push(...(page.items || []));
		if (!page.next || items.length >= max) return items;
		url = path + (path.includes("?") ? "&" : "?") + `limit=500&after=${encodeURIComponent(page.next)}`;
	}
}

export function qs(params) {
	const parts = Object.entries(params)
		.filter(([, v]) => v !== undefined && v !== null && v !== "")
		.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
	return parts.length ? `?${parts.join("&")}` : "";
}

// Nodes by id, for names in lists (the directory is readable by every role).
let nodeCache = null;
let nodeMap = new Map();
export async function nodes() {
	if (!nodeCache) {
		nodeCache = all("/v1/nodes").then((items) => (nodeMap = new Map(items.map((n) => [n.id, n]))));
		nodeCache.catch(() => (nodeCache = null));
	}
	return nodeCache;
}

// A node's name once nodes() has loaded (its id before).
export function nodeName(id) {
	return (nodeMap.get(id) || {}).name || id || "–";
}

// The vocabulary of the server (GET /v1/vocabulary, lib/referral.c and lib/directory.c): the
// referral statuses and what each means, the moves, reasons, outcomes and channels, and the
// kinds of organizations and nodes. Loaded once after login (main.js); the views read it
// through statusInfo() and vocab instead of keeping a copy.
let vocabCache = null;
let statusMap = new Map();
export const vocab = { statuses: [], moves: [], outcomes: [], channels: [], step_states: [], organization_kinds: [], node_kinds: [], service_statuses: [], schedule_kinds: [] };
export async function vocabulary() {
	if (!vocabCache) {
		vocabCache = get("/v1/vocabulary").then((v) => {
			Object.assign(vocab, v);
			statusMap = new Map(v.statuses.map((s) => [s.status, s]));
			return vocab;
		});
		vocabCache.catch(() => (vocabCache = null));
	}
	return vocabCache;
}

// What the vocabulary says of a status ({} before it has loaded).
export function statusInfo(status) {
	return statusMap.get(status) || {};
}

// Whether side ("sender", "receiver") may move a referral from status from into to.
export function movePossible(from, to, side) {
	return vocab.moves.some((m) => m.to === to && m.from.includes(from) && m.sides.includes(side));
}

// Whether the move into status is one that side ("sender", "receiver") makes.
export function movedBy(status, side) {
	return vocab.moves.some((m) => m.to === status && m.sides.includes(side));
}

// The networks a node is an active member of (its memberships in GET /v1/nodes/{id}), so
// that lists offer only what the user's network holds.
const networkCache = new Map();
export function memberNetworks(nodeId) {
	if (!networkCache.has(nodeId)) {
		const p = get(`/v1/nodes/${nodeId}`).then((n) => (n.memberships || []).filter((m) => m.active).map((m) => m.network_id));
		p.catch(() => networkCache.delete(nodeId));
		networkCache.set(nodeId, p);
	}
	return networkCache.get(nodeId);
}

// The active members of a network (with their node's name, kind and district).
const memberCache = new Map();
export function activeMembers(networkId) {
	if (!memberCache.has(networkId)) {
		const p = all(`/v1/networks/${networkId}/members?active=true`);
		p.catch(() => memberCache.delete(networkId));
		memberCache.set(networkId, p);
	}
	return memberCache.get(networkId);
}

// The target groups of the given networks, by id.
export async function targetGroups(networkIds) {
	const lists = await Promise.all(networkIds.map((id) => all(`/v1/networks/${id}/target-groups`)));
	return new Map(lists.flat().map((g) => [g.id, g]));
}

export function forgetCaches() {
	nodeCache = null;
	networkCache.clear();
	memberCache.clear();
}
