// Whether the app reaches pnetd, and what follows when it does not: the header says so
// ("Offline"), forms that cannot wait for the network say so instead of failing, and the
// service worker (sw.js) is registered so that the app starts without one. The browser's
// own signal (navigator.onLine) is taken as it is; a request that finds no server while the
// browser thinks it is online counts too, and then /healthz is asked now and then until it
// answers. docs/architecture.md, "The app offline".
import { h } from "./dom.js";
import { t } from "./i18n.js";

const PROBE_MS = 15000;

export const connection = {
	unreachable: false, // a request found no server although the browser has a network
	listeners: new Set(),
	el: null,
	probe: null,
	was: null,

	offline() {
		return !navigator.onLine || this.unreachable;
	},

	// fn(offline) after every change; returns the way to stop listening.
	subscribe(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	},

	changed() {
		const now = this.offline();
		if (this.el) this.paint();
		document.documentElement.dataset.offline = String(now);
		if (now === this.was) return;
		this.was = now;
		for (const fn of this.listeners) fn(now);
	},

	// What a request found (api.js): an answer (true) or none at all (false).
	observe(answered) {
		if (answered === !this.unreachable) return;
		this.unreachable = !answered && navigator.onLine;
		if (this.unreachable) this.watch();
		this.changed();
	},

	// Ask /healthz until the server answers again.
	watch() {
		clearTimeout(this.probe);
		this.probe = setTimeout(async () => {
			if (!this.unreachable) return;
			if (!navigator.onLine) return this.watch();
			try {
				await fetch("/healthz", { cache: "no-store" });
				this.observe(true);
			} catch {
				this.watch();
			}
		}, PROBE_MS);
	},

	paint() {
		const off = this.offline();
		this.el.hidden = !off;
		this.el.dataset.offline = String(off);
		this.el.title = t("offline_title");
	},

	// The header's sign: shown only while offline.
	indicator() {
		this.el = h("span", { id: "offline-indicator", class: "offline-indicator", role: "status" }, h("span", { class: "offline-dot", "aria-hidden": "true" }), t("offline_label"));
		this.paint();
		return this.el;
	},
};

window.addEventListener("online", () => {
	connection.unreachable = false;
	connection.changed();
});
window.addEventListener("offline", () => connection.changed());

// A form sends something the server must take at once (a new case, a consent, a login):
// offline it is stopped before it fails, and says why. Forms whose writes wait in the queue
// (a referral's moves) are marked data-offline="queue".
document.addEventListener(
	"submit",
	(e) => {
		const form = e.target;
		if (!connection.offline() || !(form instanceof HTMLFormElement) || form.dataset.offline === "queue") return;
		e.preventDefault();
		e.stopImmediatePropagation();
		let box = form.querySelector(".form-error");
		if (!box) {
			box = h("div", { class: "form-error", role: "alert" });
			form.append(box);
		}
		box.textContent = t("offline_form");
	},
	true,
);

// The service worker keeps the app's shell for starting offline (a built app only: the
// development server has none).
export function registerServiceWorker() {
	if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
	navigator.serviceWorker.register("/sw.js").catch(() => {
		/* without it the app works as before, only not offline */
	});
}
