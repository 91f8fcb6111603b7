// A referral's move (accept, decline with a reason, receipt, ...) as a kind of queued write
// (queue.js): made offline, it is sent as POST /v1/referrals/{id}/transitions with the
// version the user saw. When the referral changed meanwhile, the user is shown its status
// now and the steps taken since they saw it, and decides.
import * as api from "./api.js";
import { fmtDate } from "./dom.js";
import { t } from "./i18n.js";
import { registerKind } from "./queue.js";
import { statusText } from "./views/referrals.js";

function moveText(item) {
	const to = item.payload.to;
	return t(item.context.transfer && api.statusInfo(to).hands_over_case ? "act_take_over" : `act_${to}`);
}

// Whether the move may be made from the referral as it is now: the moves the API names
// (allowed_moves) when it names them; else the 409's list of allowed moves; else those the
// vocabulary (lib/referral.c) lets the side make from its status now. A move no longer
// possible (on a withdrawn referral, say) is then only discarded.
function allowedNow(item) {
	const current = item.current && item.current.referral;
	if (!current) return false;
	const to = item.payload.to;
	if (Array.isArray(current.allowed_moves)) return current.allowed_moves.some((m) => (typeof m === "string" ? m : m && m.to) === to);
	if (item.problem && Array.isArray(item.problem.allowed)) return item.problem.allowed.includes(to);
	return api.movePossible(current.status, to, item.context.side || "receiver");
}

registerKind("transition", {
	send: (item) => api.post(`/v1/referrals/${item.key}/transitions`, item.payload, { ifMatch: item.if_match, idempotencyKey: item.context.idempotency_key }),

	title: (item) => t("q_transition_title", { move: moveText(item), ref: item.context.reference || "–" }),

	href: (item) => `/referrals/${item.key}`,

	async inspect(item) {
		try {
			const [referral, events] = await Promise.all([api.get(`/v1/referrals/${item.key}`), api.get(`/v1/referrals/${item.key}/events?limit=500`)]);
			const seen = Date.parse(item.context.seen_at || "") || 0;
			return { referral, events: (events.items || []).filter((e) => Date.parse(e.at) > seen) };
		} catch (e) {
			if (e.status === 404) return { gone: true };
			throw e;
		}
	},

	changes(item) {
		const c = item.current;
		if (!c) return [];
		if (c.gone) return [t("q_gone")];
		const side = item.context.side || "receiver";
		const r = c.referral;
		const lines = [
			t("q_seen_status", { status: statusText(item.context.status, side) }),
			t("q_now_status", { status: statusText(r.status, side) }) + (r.status_reason ? ` (${t(`r_${r.status_reason}`)})` : ""),
		];
		for (const e of c.events) {
			if (e.kind !== "transition") continue;
			const step = t("ev_transition", { from: statusText(e.from_status, side), to: statusText(e.to_status, side) });
			lines.push(t("q_change", { at: fmtDate(e.at, true), who: api.nodeName(e.actor_node_id), what: step }) + (e.note ? ` – ${e.note}` : ""));
		}
		return lines;
	},

	// Again on the referral as it is now: its version, and its status as the one seen.
	again(item) {
		if (!allowedNow(item)) return null;
		const r = item.current.referral;
		return { if_match: r.version, context: { ...item.context, status: r.status, seen_at: r.updated_at } };
	},
});
