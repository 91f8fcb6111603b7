// The thread under a referral (docs/architecture.md, "Messages on a referral"): both sides'
// messages, oldest first, the ones new to this node marked; reading the thread marks them
// read for the whole node. A receiver whose consent no longer covers the case sees that a
// message exists, not its text; its sender is then offered no message box (the receiver could
// not read it) but the way to the case's consents.
import * as api from "../api.js";
import { h, fill, fmtDate, badge } from "../dom.js";
import { t } from "../i18n.js";
import { announce } from "../main.js";
import { showProblem } from "../problems.js";
import { unread } from "../unread.js";
import { connection } from "../offline.js";
import { queue } from "../queue.js";
import { queuedEntry } from "../queuepanel.js";

const MAX = 4000;

function messageItem(m, ownNode) {
	const own = m.author_node_id === ownNode;
	return h(
		"li",
		{ class: `message ${own ? "message-own" : "message-other"}${m.unread ? " message-unread" : ""}`, dataset: { id: m.id, unread: m.unread ? "true" : "false" } },
		h(
			"p",
			{ class: "message-head" },
			h("span", { class: "message-who" }, `${api.nodeName(m.author_node_id)}${m.author_name ? ` · ${m.author_name}` : ""}`),
			" ",
			h("time", { datetime: m.created_at }, fmtDate(m.created_at, true)),
			m.unread ? [" ", badge(t("message_new"), "new")] : null,
		),
		m.withheld ? h("p", { class: "message-text message-withheld" }, t("message_withheld")) : h("p", { class: "message-text" }, m.text),
	);
}

// The section for referral id; ownNode is the signed-in node; reference() the case's
// reference (for the queue's words). reload() reads the thread again (it marks what it shows
// read); onSent runs after this page sent a message. Each message carries an Idempotency-Key:
// offline, or when the answer is lost, it waits in the queue (queue-message.js) and is sent
// again with the same key, so that it is never written twice. basis(r) shows the box or, for
// the sender of referral r once its basis no longer holds (r.basis_holds false), why not.
// Returns { el, reload, basis, destroy }.
export function thread(id, ownNode, onSent = () => {}, reference = () => "") {
	const list = h("ol", { class: "messages", id: "messages", "aria-live": "polite" });
	const waiting = h("ol", { class: "messages messages-queued", id: "messages-queued" });
	let key = api.newIdempotencyKey();
	const text = h("textarea", { name: "text", id: "message-text", rows: 3, maxlength: MAX, required: true });
	const form = h(
		"form",
		{
			id: "message-form",
			dataset: { offline: "queue" },
			onsubmit: async (e) => {
				e.preventDefault();
				const value = text.value.trim();
				if (!value) return;
				const body = { text: value };
				const sent = key;
				async function later() {
					await queue.add("message", id, body, { context: { reference: reference(), idempotency_key: sent } });
					key = api.newIdempotencyKey();
					text.value = "";
					announce(t("message_queued"));
				}
				if (connection.offline()) return later();
				try {
					await api.post(`/v1/referrals/${id}/messages`, body, { idempotencyKey: sent });
					key = api.newIdempotencyKey();
					text.value = "";
					announce(t("message_sent"));
					await reload();
					onSent();
				} catch (err) {
					if (err.status === 0) await later();
					else showProblem(form, err);
				}
			},
		},
		h("label", { for: text.id }, t("message_label")),
		text,
		h("p", { class: "hint" }, t("message_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "message-send" }, t("message_send")),
	);
	const lapsed = h("div", { class: "notice", id: "message-no-basis", hidden: true });
	const el = h("section", { class: "card", id: "thread", "aria-labelledby": "thread-h" }, h("h2", { id: "thread-h" }, t("thread_title")), list, waiting, form, lapsed);

	function basis(r) {
		const holds = r.basis_holds !== false;
		form.hidden = !holds;
		lapsed.hidden = holds;
		fill(lapsed, holds ? [] : [h("p", {}, t("message_no_basis")), h("p", {}, h("a", { href: `/cases/${r.case_id}`, "data-link": true }, t("message_no_basis_link")))]);
	}

	// What waits in the queue for this referral: under the thread, until it is sent.
	function drawQueued() {
		const items = queue.items.filter((i) => i.kind === "message" && i.key === id);
		fill(waiting, items.map((i) => h("li", { class: "message message-own message-queued" }, h("p", { class: "message-text" }, i.payload.text), queuedEntry(i, "div", false))));
	}
	const unsubscribe = queue.subscribe(({ type, item }) => {
		if (type !== "loaded" && (!item || item.kind !== "message" || item.key !== id)) return;
		drawQueued();
		if (type === "sent") reload().then(onSent, () => null);
	});
	drawQueued();

	async function reload() {
		const items = await api.all(`/v1/referrals/${id}/messages`);
		fill(list, items.length ? items.map((m) => messageItem(m, ownNode)) : h("li", { class: "messages-none" }, t(form.hidden ? "thread_none" : "thread_empty")));
		// Reading marked them read for the node: the header's count follows.
		unread.refresh();
	}
	return { el, reload, basis, destroy: unsubscribe };
}
