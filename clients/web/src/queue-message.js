// A message on a referral as a kind of queued write (queue.js): written offline, or sent
// without an answer, it waits and is sent as POST /v1/referrals/{id}/messages with the
// Idempotency-Key it was given when written, so that a message the server did take before
// the answer was lost is not written twice. A message does not depend on the referral's
// version: nothing to decide on a conflict but to send it again or discard it.
import * as api from "./api.js";
import { t } from "./i18n.js";
import { registerKind } from "./queue.js";

registerKind("message", {
	send: (item) => api.post(`/v1/referrals/${item.key}/messages`, item.payload, { idempotencyKey: item.context.idempotency_key }),

	title: (item) => t("q_message_title", { ref: item.context.reference || "–" }),

	href: (item) => `/referrals/${item.key}`,

	async inspect(item) {
		try {
			return { referral: await api.get(`/v1/referrals/${item.key}`) };
		} catch (e) {
			if (e.status === 404) return { gone: true };
			throw e;
		}
	},

	changes(item) {
		const c = item.current;
		return c && c.gone ? [t("q_gone")] : [];
	},

	// The same message again (the key too: the first attempt may still be running).
	again(item) {
		if (!item.current || item.current.gone) return null;
		return { if_match: null, context: item.context };
	},
});
