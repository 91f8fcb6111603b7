// The node's unread messages (GET /v1/messages/unread), for the count in the header and the
// marks in the inbox and outbox. Asked again when a message arrives (live.js) and after a
// thread was read (views/thread.js); the count is cheap to ask (docs/architecture.md,
// "Messages on a referral").
import * as api from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

export const unread = {
	total: 0,
	perReferral: new Map(),
	el: null,
	listeners: new Set(),

	asking: null,
	again: false,

	// Ask again: one question at a time, and once more after it when asked meanwhile (a
	// message may have come after the question left). The logout waits for it (settled), so
	// that no question is still out with the session it ends.
	refresh() {
		if (!api.token()) return Promise.resolve();
		if (this.asking) {
			this.again = true;
			return this.asking;
		}
		this.asking = (async () => {
			do {
				this.again = false;
				await this.ask();
			} while (this.again && api.token());
		})().finally(() => (this.asking = null));
		return this.asking;
	},

	settled() {
		return this.asking || Promise.resolve();
	},

	async ask() {
		try {
			const got = await api.get("/v1/messages/unread");
			this.total = got.total || 0;
			this.perReferral = new Map((got.referrals || []).map((x) => [x.referral_id, x.unread]));
		} catch {
			return; // offline or signed out: the count stays as it was
		}
		this.paint();
		for (const fn of this.listeners) fn();
	},

	of(referralId) {
		return this.perReferral.get(referralId) || 0;
	},

	// Call fn whenever the counts change; returns the function that stops it.
	subscribe(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	},

	paint() {
		if (!this.el) return;
		this.el.hidden = this.total === 0;
		this.el.dataset.count = String(this.total);
		this.el.title = t("unread_messages_title", { n: this.total });
		this.el.setAttribute("aria-label", t("unread_messages_title", { n: this.total }));
		this.el.lastChild.textContent = String(this.total);
	},

	// The header's count: hidden while there is nothing unread.
	indicator() {
		this.el = h("span", { id: "unread-messages", class: "unread-count", role: "status" }, h("span", { class: "unread-icon", "aria-hidden": "true" }, "✉ "), "");
		this.paint();
		return this.el;
	},

	clear() {
		this.total = 0;
		this.perReferral = new Map();
		this.paint();
	},
};
