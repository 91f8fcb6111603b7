// Live updates from GET /v1/events (Server-Sent Events). EventSource cannot send an
// Authorization header, so the token goes in ?access_token=. The stream resumes after the
// last event this account saw (?after=, kept by notices.js; EventSource itself sends
// Last-Event-ID when it reconnects), so nothing that happened meanwhile is missed. When the
// stream is not there or breaks, it is retried with a growing pause; the indicator in the
// header says whether changes arrive live. Only accounts of a node (caseworkers) have
// events; for everyone else there is no stream and no indicator.
import * as api from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { notices } from "./notices.js";
import { refreshFollowUpCount } from "./views/team.js";
import { unread } from "./unread.js";

const EVENTS = ["referral.created", "referral.updated", "referral.handover", "referral.message", "referral.appointment", "referral.overdue", "consent.revoked", "conference.invited", "conference.updated", "case.responsible_changed", "case.follow_up_due"];

export const live = {
	source: null,
	connected: false,
	retry: null,
	delay: 2000,
	onEvent: null, // set by the mounted view: (type, data) => void, data the event's data
	onNotice: null, // set by the shell: (notice) => void, for a notification just made
	el: null,

	// Whether me's account has events at all: they are a node's.
	applies(me) {
		return Boolean(me && me.node_id);
	},

	start(me) {
		this.stop();
		if (me !== undefined) {
			this.me = me;
			notices.load(this.applies(me) ? me : null);
		}
		const token = api.token();
		if (!this.applies(this.me) || !token || typeof EventSource === "undefined") return;
		const after = notices.last();
		const es = new EventSource(`/v1/events${api.qs({ access_token: token, after })}`);
		this.source = es;
		es.onopen = () => {
			this.delay = 2000;
			this.set(true);
			// What arrived while the stream was away is counted afresh.
			unread.refresh();
		};
		es.onerror = () => {
			if (es.readyState === EventSource.CLOSED) {
				// Refused (401, or a server without events): try again later.
				this.set(false);
				es.close();
				this.source = null;
				this.retry = setTimeout(() => this.start(), this.delay);
				this.delay = Math.min(this.delay * 2, 60000);
			} else {
				this.set(false); // reconnecting by itself
			}
		};
		for (const type of EVENTS) {
			es.addEventListener(type, (ev) => {
				let event = {};
				try {
					event = JSON.parse(ev.data);
				} catch {
					/* an event without JSON still means: look again */
				}
				const data = event.data || {};
				const notice = notices.take(ev.lastEventId || event.id, type, data, event.created_at, event.recipients);
				if (type.startsWith("case.")) refreshFollowUpCount();
				if (type === "referral.message") unread.refresh();
				if (this.onEvent) this.onEvent(type, data);
				if (notice && this.onNotice) this.onNotice(notice);
			});
		}
	},

	stop() {
		clearTimeout(this.retry);
		this.retry = null;
		if (this.source) this.source.close();
		this.source = null;
		this.set(false);
	},

	set(on) {
		this.connected = on;
		if (this.el) this.paint();
	},

	paint() {
		this.el.className = `live ${this.connected ? "live-on" : "live-off"}`;
		this.el.title = t(this.connected ? "live_title_on" : "live_title_off");
		this.el.dataset.live = this.connected ? "on" : "off";
		this.el.lastChild.textContent = t(this.connected ? "live_on" : "live_off");
	},

	indicator() {
		this.el = h("span", { id: "live-indicator" }, h("span", { class: "live-dot", "aria-hidden": "true" }), "");
		this.paint();
		return this.el;
	},
};

// A page the browser keeps for going back (the back/forward cache) would keep its stream
// open, and browsers allow only a few connections to one server: close it when the page is
// left, open it again when the page comes back.
window.addEventListener("pagehide", () => live.stop());
window.addEventListener("pageshow", (e) => {
	if (e.persisted) live.start();
});
