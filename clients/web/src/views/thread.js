// The thread under a referral (docs/architecture.md, "Messages on a referral"): both sides'
// messages, oldest first, the ones new to this node marked; reading the thread marks them
// read for the whole node. A receiver whose consent no longer covers the case sees that a
// message exists, not its text.
import * as api from "../api.js";
import { h, fill, fmtDate, badge } from "../dom.js";
import { t } from "../i18n.js";
import { announce } from "../main.js";
import { showProblem } from "../problems.js";
import { unread } from "../unread.js";

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

// The section for referral id; ownNode is the signed-in node. reload() reads the thread again
// (it marks what it shows read); onSent runs after this page sent a message. Returns
// { el, reload }.
export function thread(id, ownNode, onSent = () => {}) {
	const list = h("ol", { class: "messages", id: "messages", "aria-live": "polite" });
	const text = h("textarea", { name: "text", id: "message-text", rows: 3, maxlength: MAX, required: true });
	const form = h(
		"form",
		{
			id: "message-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const value = text.value.trim();
				if (!value) return;
				try {
					await api.post(`/v1/referrals/${id}/messages`, { text: value });
					text.value = "";
					announce(t("message_sent"));
					await reload();
					onSent();
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("label", { for: text.id }, t("message_label")),
		text,
		h("p", { class: "hint" }, t("message_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "message-send" }, t("message_send")),
	);
	const el = h("section", { class: "card", id: "thread", "aria-labelledby": "thread-h" }, h("h2", { id: "thread-h" }, t("thread_title")), list, form);

	async function reload() {
		const items = await api.all(`/v1/referrals/${id}/messages`);
		fill(list, items.length ? items.map((m) => messageItem(m, ownNode)) : h("li", { class: "messages-none" }, t("thread_empty")));
		// Reading marked them read for the node: the header's count follows.
		unread.refresh();
	}
	return { el, reload };
}
