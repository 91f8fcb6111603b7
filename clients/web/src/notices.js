// Notifications: what the other side did with the node's referrals, so that news finds the
// person at the desk without going to look. Made from the live events (live.js): for the
// sender, every move the receiver makes (received, waitlisted, accepted, declined, started,
// completed, dropped out); for the receiver, a new referral and a withdrawal. Kept per
// account in localStorage together with the id of the last event seen: the next stream
// resumes after it (GET /v1/events?after=, docs/events.md), so whoever comes back is shown
// what happened meanwhile. Events carry no text; the page fetches a referral's details when
// it shows them.

import { movedBy } from "./api.js";

const MAX = 100;

export const notices = {
	me: null,
	state: { last: null, items: [] },
	listeners: new Set(),

	key() {
		return `pnet.notices.${this.me.id}`;
	},

	// Start keeping me's notifications (null: stop).
	load(me) {
		this.me = me && me.node_id ? me : null;
		this.state = { last: null, items: [] };
		if (this.me) {
			try {
				const stored = JSON.parse(localStorage.getItem(this.key()) || "null");
				if (stored && Array.isArray(stored.items)) this.state = stored;
			} catch {
				/* a broken entry is started afresh */
			}
		}
		this.changed();
	},

	save() {
		if (this.me) localStorage.setItem(this.key(), JSON.stringify(this.state));
	},

	// The id of the last event seen, for resuming the stream; null before the first one.
	last() {
		return this.state.last;
	},

	// An event of the stream (its id, type and data); returns the notification it makes for
	// this node, or null (own moves, repeats of a replay, events of no interest).
	// recipients: the event's people of the owner node (docs/events.md): a notification says
	// when it reaches this account as a stand-in, on whose behalf.
	take(id, type, data, at, recipients) {
		if (!this.me) return null;
		const seq = Number(id);
		if (Number.isFinite(seq) && seq > (this.state.last || 0)) this.state.last = seq;
		let notice = null;
		if (!this.state.items.some((n) => n.id === seq)) notice = this.classify(seq, type, data, at, recipients || []);
		if (notice) {
			this.state.items.unshift(notice);
			this.state.items.length = Math.min(this.state.items.length, MAX);
		}
		this.save();
		if (notice) this.changed();
		return notice;
	},

	classify(id, type, d, at, recipients) {
		const node = this.me.node_id;
		const mine = recipients.find((x) => x.account_id === this.me.id && x.role === "stand_in");
		const base = { id, at: at || new Date().toISOString(), referral_id: d.referral_id, case_id: d.case_id, status: d.status, kind: d.kind, read: false, on_behalf_of: mine ? mine.on_behalf_of : null };
		const forMe = recipients.some((x) => x.account_id === this.me.id);
		if (type === "case.follow_up_due") return forMe ? { ...base, what: "follow_up", due_on: d.due_on } : null;
		if (type === "case.responsible_changed") return d.responsible_account_id === this.me.id ? { ...base, what: "handed" } : null;
		if (type === "referral.created" && d.to_node_id === node) return { ...base, what: "new", other: d.from_node_id, side: "receiver" };
		// An invitation to a case conference: the event holds no text; its page shows what the
		// node may see (views/conferences.js).
		const conference = { ...base, conference_id: d.conference_id, starts_at: d.starts_at, other: d.owner_node_id };
		if (type === "conference.invited" && d.owner_node_id !== node) return { ...conference, what: "conference" };
		// Moved or called off: the participants hear of it (a decision is read on its page).
		if (type === "conference.updated" && d.owner_node_id !== node && ["changed", "cancelled"].includes(d.change)) return { ...conference, what: `conference_${d.change}` };
		if (type !== "referral.updated") return null;
		if (d.from_node_id === node && movedBy(d.status, "receiver")) return { ...base, what: "moved", other: d.to_node_id, side: "sender" };
		if (d.to_node_id === node && movedBy(d.status, "sender")) return { ...base, what: "moved", other: d.from_node_id, side: "receiver" };
		return null;
	},

	items() {
		return this.state.items;
	},

	unread() {
		return this.state.items.filter((n) => !n.read).length;
	},

	markAllRead() {
		if (!this.unread()) return;
		for (const n of this.state.items) n.read = true;
		this.save();
		this.changed();
	},

	subscribe(fn) {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	},

	changed() {
		for (const fn of this.listeners) fn(this);
	},
};
