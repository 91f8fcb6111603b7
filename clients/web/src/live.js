// Live updates from GET /v1/events (Server-Sent Events). EventSource cannot send an
// Authorization header, so the token goes in ?access_token=. When the stream is not there
// (an older server) or breaks, it is retried with a growing pause; the indicator in the
// header says whether changes arrive live. Only accounts of a node (caseworkers) have events;
// for everyone else there is no stream and no indicator.
import * as api from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const EVENTS = ["referral.created", "referral.updated", "referral.handover", "consent.revoked"];

export const live = {
	source: null,
	connected: false,
	retry: null,
	delay: 2000,
	onEvent: null, // set by the mounted view: (type, data) => void
	el: null,

	// Whether me's account has events at all: they are a node's.
	applies(me) {
		return Boolean(me && me.node_id);
	},

	start(me) {
		this.stop();
		if (me !== undefined) this.me = me;
		const token = api.token();
		if (!this.applies(this.me) || !token || typeof EventSource === "undefined") return;
		const es = new EventSource(`/v1/events?access_token=${encodeURIComponent(token)}`);
		this.source = es;
		es.onopen = () => {
			this.delay = 2000;
			this.set(true);
		};
		es.onerror = () => {
			if (es.readyState === EventSource.CLOSED) {
				// Refused (404 on a server without events, 401): try again later.
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
				let data = {};
				try {
					data = JSON.parse(ev.data);
				} catch {
					/* an event without JSON still means: look again */
				}
				if (this.onEvent) this.onEvent(type, data);
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
