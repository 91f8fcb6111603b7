// The app's shell: session, header and navigation by role, the router, live updates, and
// the app offline (offline.js, readcache.js, queue.js).
import "./style.css";
import * as api from "./api.js";
import { h, clear, fill, fmtDate } from "./dom.js";
import { t, lang, setLang } from "./i18n.js";
import { live } from "./live.js";
import { unread } from "./unread.js";
import { notices } from "./notices.js";
import { problemText } from "./problems.js";
import { routes } from "./routes.js";
import { networkChooser, forgetNetworks, forgetChoice } from "./networks.js";
import { connection, registerServiceWorker } from "./offline.js";
import { readCache } from "./readcache.js";
import { queue } from "./queue.js";
import { queueButton, queuePanel } from "./queuepanel.js";
import "./queue-transition.js";
import { followUpCount } from "./views/team.js";
import "./queue-message.js";

export const session = { me: null };

const app = document.getElementById("app");
let current = null; // the mounted view: { refresh?, destroy?, unsaved? }
let shownPath = location.pathname + location.search; // what the mounted view shows
let pendingAnnouncement = null; // said once the next page is drawn

// Whether the mounted view may be left: a view with unsaved edits (unsaved() true) asks first.
function mayLeave() {
	return !(current && current.unsaved && current.unsaved()) || confirm(t("leave_unsaved"));
}

// force: the user has been asked already (logging out).
export function navigate(path, replace = false, force = false) {
	if (!replace && !force && !mayLeave()) return;
	if (replace) history.replaceState(null, "", path);
	else history.pushState(null, "", path);
	render();
}

// Links inside the app change the page without reloading it.
document.addEventListener("click", (e) => {
	const a = e.target.closest && e.target.closest("a[data-link]");
	if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
	e.preventDefault();
	navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", () => {
	// Back or forward has changed the address already: put it back if the user stays.
	if (!mayLeave()) {
		history.pushState(null, "", shownPath);
		return;
	}
	render();
});
// Leaving the page ends the event stream at once, so that its connection is free again; a
// page the browser brings back from its cache (Back) opens it again.
window.addEventListener("pagehide", () => live.stop());
window.addEventListener("pageshow", (e) => {
	if (e.persisted && session.me && !session.me.must_change_password) live.start(session.me);
});
// Closing the tab or reloading with unsaved edits: the browser asks.
window.addEventListener("beforeunload", (e) => {
	if (current && current.unsaved && current.unsaved()) {
		e.preventDefault();
		e.returnValue = "";
	}
});

api.setUnauthorizedHandler(() => {
	session.me = null;
	live.stop();
	unread.clear();
	// The session is over: its offline copy goes; the queue stays for the next login.
	readCache.end(true);
	queue.detach();
	navigate(loginPath(), true);
});

api.keepReads(readCache);
api.observeNetwork((answered) => connection.observe(answered));
// Back online: what waits is sent, the live stream comes back, and a page drawn from the
// offline copy, or missing for want of one, is drawn afresh (unless it holds unsaved edits).
// Offline: the stream rests.
connection.subscribe((offline) => {
	if (offline) {
		live.stop();
		return;
	}
	queue.flush();
	if (session.me && !session.me.must_change_password) live.start(session.me);
	const stale = document.getElementById("offline-copy") || document.getElementById("offline-missing");
	if (offlineStart || (stale && !(current && current.unsaved && current.unsaved()))) render();
});

// The login page, with the page asked for to come back to after it.
function loginPath() {
	const here = location.pathname + location.search;
	return location.pathname === "/login" ? here : `/login${api.qs({ next: here })}`;
}

// Where the login's ?next= leads: a path of this app only (never another site, nor back to
// the login), else null.
function nextPath() {
	const next = new URLSearchParams(location.search).get("next");
	if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
	return next.startsWith("/login") ? null : next;
}

function home(role) {
	if (role === "caseworker") return "/inbox";
	if (role === "coordinator") return "/chains";
	if (role === "admin") return "/admin";
	if (role === "auditor") return "/audit";
	return "/directory";
}

const NAV = {
	caseworker: [
		["/inbox", "nav_inbox"],
		["/cases", "nav_cases"],
		["/conferences", "nav_conferences"],
		["/follow-ups", "nav_follow_ups"],
		["/outbox", "nav_outbox"],
		["/services", "nav_own_services"],
		["/directory", "nav_directory"],
	],
	coordinator: [
		["/network", "nav_network"],
		["/chains", "nav_chains"],
		// The statistics pages share one entry; tabs lead between them (views/stats.js).
		["/map", "nav_stats", ["/funnel", "/agreements", "/report"]],
		["/overdue", "nav_overdue"],
		["/contracts", "nav_contracts"],
		["/directory", "nav_directory"],
	],
	auditor: [
		["/audit", "nav_audit"],
		["/directory", "nav_directory"],
	],
};
NAV.admin = [["/admin", "nav_admin"], ...NAV.coordinator];

function header(path) {
	const me = session.me;
	const langButton = h(
		"button",
		{
			class: "btn btn-quiet",
			type: "button",
			lang: lang === "de" ? "en" : "de",
			"aria-label": t("lang_switch_label"),
			onclick: () => {
				setLang(lang === "de" ? "en" : "de");
				render();
			},
		},
		h("span", { class: "long" }, t("lang_switch")),
		h("span", { class: "short", "aria-hidden": "true" }, t("lang_switch_short")),
	);
	const brand = h(
		"a",
		{ class: "brand", href: me ? home(me.role) : "/login", "data-link": true },
		h("span", { class: "brand-mark", "aria-hidden": "true" }),
		h("span", { class: "brand-name" }, t("app_name")),
		h("span", { class: "brand-tagline" }, t("app_tagline")),
	);
	const right = h("div", { class: "header-right" }, connection.indicator(), langButton);
	if (me) {
		right.prepend(
			h(
				"div",
				{ class: "who" },
				h("span", { class: "who-name" }, me.display_name),
				h(
					"span",
					{ class: "who-role" },
					t(`role_${me.role}`),
					" · ",
					me.must_change_password ? null : [h("a", { href: "/account", "data-link": true, id: "account-link" }, t("account_link")), " · "],
					h("a", { href: "/password", "data-link": true, id: "password-link" }, t("password_link")),
				),
			),
			...(live.applies(me) && !me.must_change_password ? [queueButton(), unread.indicator(), noticesLink(path), live.indicator()] : []),
		);
		right.append(
			h("button", { class: "btn btn-quiet", type: "button", id: "logout", onclick: logout }, t("logout")),
		);
	}
	const nav = me && !me.must_change_password
		? h(
			"nav",
			{ class: "mainnav", "aria-label": t("nav_main") },
			h(
				"ul",
				{},
				(NAV[me.role] || []).map(([href, key, more = []]) =>
					h(
						"li",
						{},
						h(
							"a",
							{
								href,
								"data-link": true,
								"aria-current": [href, ...more].some((p) => path === p || path.startsWith(p + "/")) ? "page" : null,
							},
							t(key),
							key === "nav_follow_ups" ? followUpCount() : null,
						),
					),
				),
			),
		)
		: null;
	const chooser = me && !me.must_change_password ? networkChooser(me, path, networkChanged) : null;
	return h("header", { class: "topbar" }, h("div", { class: "topbar-inner" }, brand, right), nav, chooser);
}

// Another network was chosen: show this page for it, or go to target (the user may refuse
// to leave unsaved edits: false).
function networkChanged(target) {
	if (!mayLeave()) return false;
	if (target) navigate(target, false, true);
	else render();
	return true;
}

// The header's way to the notifications, with the number not yet seen.
function noticesLink(path) {
	const count = h("span", { class: "notice-count", id: "notices-count", "aria-hidden": "true" });
	const link = h(
		"a",
		{ class: "btn btn-quiet notices-link", id: "notices-link", href: "/notifications", "data-link": true, "aria-current": path === "/notifications" ? "page" : null },
		h("span", { class: "notices-text long" }, t("nav_notices")),
		h("span", { class: "notices-text short", "aria-hidden": "true" }, t("nav_notices_short")),
		count,
	);
	const paint = () => {
		const n = notices.unread();
		count.textContent = n ? String(n) : "";
		count.hidden = !n;
		link.dataset.unread = String(n);
		link.setAttribute("aria-label", n ? t("notices_label_unread", { n }) : t("nav_notices"));
	};
	paint();
	noticesLink.paint = paint;
	return link;
}
notices.subscribe(() => noticesLink.paint && noticesLink.paint());

// A notification that arrives while the page is open is said at once, too.
live.onNotice = (notice) => announce(noticeAnnouncement(notice), "info");

function noticeAnnouncement(n) {
	const who = api.nodeName(n.other);
	if (n.what.startsWith("conference")) return t(`notice_${n.what}`, { who, at: fmtDate(n.starts_at, true) });
	if (n.what === "new") return t(n.kind === "transfer" ? "notice_new_transfer" : "notice_new", { who });
	return t(`notice_${n.status}`, { who });
}

async function logout() {
	if (!mayLeave()) return;
	// What waits in the queue is lost with the logout: the user says so first.
	if (queue.items.length && !confirm(t("q_logout_confirm", { n: queue.items.length }))) return;
	// Nothing more asked with the session about to end: the event stream stops first, and
	// the unread count's question still out is answered before the session is.
	live.stop();
	await unread.settled();
	try {
		await api.post("/v1/auth/logout");
	} catch {
		/* the token is dropped either way */
	}
	api.setToken(null);
	unread.clear();
	// Nothing of the account stays on this browser: its offline copies and its queue.
	const account = session.me && session.me.id;
	if (account) await Promise.all([readCache.forgetAccount(account), queue.erase(account)]).catch(() => null);
	api.forgetCaches();
	forgetNetworks();
	forgetChoice();
	session.me = null;
	live.stop();
	navigate("/login", false, true);
}

// The login's answer: its account and when its session ends (expires, RFC 3339).
export async function signedIn(me, expires) {
	session.me = me;
	// Nothing but the password change before a password of one's own (the API refuses it).
	if (me.must_change_password) return navigate("/password", true);
	await offlineBegins(me, expires);
	await Promise.all([api.nodes().catch(() => null), api.vocabulary().catch(() => null)]);
	live.start(me);
	navigate(nextPath() || home(me.role), true);
}

// A node's account keeps an offline copy of what it reads and a queue for its moves.
async function offlineBegins(me, expires) {
	if (!live.applies(me)) return;
	await readCache.begin(me, expires).catch(() => null);
	// Kept for a start offline: who is logged in.
	if (readCache.active()) await api.get("/v1/me").catch(() => null);
	await queue.open(me.id).catch(() => null);
	queue.flush();
}

// The account after its owner changed the password: on to the start page, which says so.
export async function passwordChanged(me, message) {
	session.me = me;
	const mine = await api.get("/v1/me").catch(() => null);
	if (mine) await offlineBegins(me, mine.token.expires_at);
	await api.vocabulary().catch(() => null);
	live.start(me);
	pendingAnnouncement = message;
	navigate(home(me.role), true);
}

// offlineStart: the tab holds a session, but neither the server nor an offline copy
// answered who it is; it is kept for when the network comes back.
let offlineStart = false;

async function loadMe() {
	offlineStart = false;
	if (session.me || !api.token()) return session.me;
	// Offline, who is logged in comes from the session's copy too.
	await readCache.resume().catch(() => null);
	try {
		const r = await api.get("/v1/me");
		session.me = r.account;
		// Nothing but the password change before a password of one's own (the API refuses it).
		if (!session.me.must_change_password) {
			// A session from before the offline copy existed begins one now.
			if (!readCache.active() && !connection.offline()) await offlineBegins(session.me, r.token.expires_at);
			else if (live.applies(session.me)) await queue.open(session.me.id).then(() => queue.flush()).catch(() => null);
			await Promise.all([api.nodes().catch(() => null), api.vocabulary().catch(() => null)]);
			if (!connection.offline()) live.start(session.me);
		}
	} catch (e) {
		if (e.status === 0) offlineStart = true;
		else api.setToken(null);
	}
	return session.me;
}

// The status line read out by screen readers (role=status) and shown as a toast.
export function announce(text, kind = "ok") {
	const region = document.getElementById("announcer");
	if (!region) return;
	region.className = `announcer announcer-${kind}`;
	region.textContent = "";
	// A fresh text node makes screen readers speak it again.
	setTimeout(() => (region.textContent = text), 30);
	clearTimeout(announce.timer);
	announce.timer = setTimeout(() => (region.textContent = ""), 6000);
}

// A failure in the user's words (problems.js), never the server's English detail.
export function errorText(e, labels) {
	if (e && e.status === undefined) return t("pt_other", { status: "–" });
	return problemText(e, labels);
}

function match(path) {
	for (const route of routes) {
		const m = route.pattern.exec(path);
		if (m) return { route, params: m.slice(1) };
	}
	return null;
}

export function forbidden() {
	return h(
		"section",
		{ class: "notice notice-forbidden", id: "forbidden" },
		h("h1", {}, t("forbidden_title")),
		h("p", {}, t("forbidden_text")),
		h("p", {}, h("a", { class: "btn btn-primary", href: home(session.me?.role), "data-link": true }, t("forbidden_back"))),
	);
}

// A tab logged in that starts offline without a copy of its session: it waits for the network.
function offlineNotice() {
	return h("section", { class: "notice notice-warn", id: "offline-start" }, h("h1", {}, t("offline_start_title")), h("p", {}, t("offline_start_text")));
}

export function notFound() {
	return h(
		"section",
		{ class: "notice", id: "notfound" },
		h("h1", {}, t("notfound_title")),
		h("p", {}, t("notfound_text")),
		h("p", {}, h("a", { class: "btn", href: home(session.me?.role), "data-link": true }, t("forbidden_back"))),
	);
}

let renderSeq = 0;

export async function render() {
	const seq = ++renderSeq;
	document.documentElement.lang = lang;
	const path = location.pathname;
	const me = await loadMe();
	if (seq !== renderSeq) return;
	if (current && current.destroy) current.destroy();
	current = null;
	live.onEvent = null;
	if (!me && offlineStart) {
		fill(app, header(path), h("main", { id: "main", tabindex: "-1" }, offlineNotice()));
		return;
	}
	const found = match(path);
	if (!me && path !== "/login" && !found?.route.public) return navigate(loginPath(), true);
	// An admin set the password: nothing but choosing one's own (the API says the same).
	if (me && me.must_change_password && path !== "/password") return navigate("/password", true);
	if (me && (path === "/" || path === "/login")) return navigate(nextPath() || home(me.role), true);
	shownPath = location.pathname + location.search;

	const main = h("main", { id: "main", tabindex: "-1" });
	fill(app,
		header(path),
		me && live.applies(me) ? queuePanel() : null,
		h("div", { id: "announcer", class: "announcer", role: "status", "aria-live": "polite" }),
		main,
	);
	readCache.mark();
	if (!found) {
		main.append(notFound());
		return;
	}
	const { route, params } = found;
	if (route.roles && (!me || !route.roles.includes(me.role))) {
		document.title = `${t("forbidden_title")} – pnet`;
		main.append(forbidden());
		return;
	}
	document.title = `${t(route.title)} – pnet`;
	main.append(h("p", { class: "loading" }, t("loading")));
	try {
		const view = await route.view(main, ...params);
		if (seq !== renderSeq) {
			if (view && view.destroy) view.destroy();
			return;
		}
		current = view || null;
		if (current && current.onLive) live.onEvent = current.onLive;
	} catch (e) {
		if (seq !== renderSeq) return;
		clear(main);
		if (e.status === 404) main.append(notFound());
		else if (e.status === 403) main.append(forbidden());
		// Without a network and without a copy (#offline-missing): drawn again once online.
		else main.append(h("div", { class: "notice notice-error", role: "alert", id: e.status === 0 ? "offline-missing" : null }, errorText(e)));
	}
	// Drawn from the offline copy: the page says how old it is.
	const copied = readCache.oldestServed();
	if (copied) main.prepend(h("p", { class: "notice notice-offline", id: "offline-copy" }, t("offline_copy", { at: fmtDate(copied, true) })));
	if (pendingAnnouncement) {
		announce(pendingAnnouncement);
		pendingAnnouncement = null;
	}
	const heading = main.querySelector("h1");
	if (heading && document.activeElement === document.body) heading.setAttribute("tabindex", "-1");
}

setLang(lang);
registerServiceWorker();
connection.changed();
render();
