// The queue made visible (queue.js): a button in the header that counts what waits, a panel
// under it that lists each write with its state, and the user's decision on a conflict
// (apply again on the new version, or discard). Each change of the queue is said in the
// status line; a conflict opens the panel, so that nothing refused goes unseen.
import { h, fill, fmtDate } from "./dom.js";
import { t } from "./i18n.js";
import { queue, kindOf } from "./queue.js";
import { connection } from "./offline.js";
import { problemText } from "./problems.js";
import { announce } from "./main.js";

let open = false;
let button = null;
let panel = null;

function stateText(item) {
	if (item.state === "conflict") return t("q_conflict");
	if (item.state === "failed") return t("q_failed", { problem: problemText({ status: item.problem.status, problem: item.problem }) });
	return t(connection.offline() ? "q_waiting_offline" : "q_waiting");
}

// One queued write with its state, what changed and the decisions it needs; the panel
// and the page of its object (link false: no link to itself) show the same.
export function queuedEntry(item, tag = "div", link = true) {
	const kind = kindOf(item);
	const again = item.state === "conflict" && kind.again(item);
	const changes = item.state === "waiting" ? [] : kind.changes(item);
	const buttons = [];
	if (again) {
		buttons.push(h("button", { type: "button", class: "btn btn-primary btn-small", dataset: { queueAgain: item.id }, onclick: () => queue.applyAgain(item.id) }, t("q_again")));
	}
	buttons.push(
		h(
			"button",
			{
				type: "button",
				class: "btn btn-small",
				dataset: { queueDiscard: item.id },
				onclick: () => {
					if (item.state === "waiting" && !confirm(t("q_discard_confirm"))) return;
					queue.discard(item.id);
				},
			},
			t(item.state === "waiting" ? "q_discard_waiting" : "q_discard"),
		),
	);
	return h(
		tag,
		{ class: `queue-item queue-${item.state}`, dataset: { queueId: item.id, state: item.state, key: item.key } },
		h("p", { class: "queue-what" }, link ? h("a", { href: kind.href(item), "data-link": true }, kind.title(item)) : kind.title(item), h("span", { class: "queue-when" }, t("q_made_at", { at: fmtDate(item.created_at, true) }))),
		h("p", { class: "queue-state" }, stateText(item)),
		changes.length ? h("ul", { class: "queue-changes" }, changes.map((line) => h("li", {}, line))) : null,
		item.state === "waiting" ? null : h("p", { class: "queue-question" }, t(again ? "q_ask" : "q_ask_discard")),
		h("div", { class: "actions" }, buttons),
	);
}

function paint() {
	const items = queue.items;
	const conflicts = items.filter((i) => i.state !== "waiting").length;
	if (button) {
		button.hidden = !items.length;
		button.dataset.count = String(items.length);
		button.dataset.conflicts = String(conflicts);
		button.classList.toggle("queue-toggle-conflict", conflicts > 0);
		button.setAttribute("aria-expanded", String(open && items.length > 0));
		button.textContent = conflicts ? t("q_button_conflict", { n: conflicts }) : t("q_button", { n: items.length });
		const label = conflicts ? t("q_button_conflict_label", { n: conflicts }) : t("q_button_label", { n: items.length });
		button.setAttribute("aria-label", label);
		button.title = label;
	}
	if (panel) {
		panel.hidden = !open || !items.length;
		fill(
			panel,
			h(
				"div",
				{ class: "queue-inner" },
				h("h2", { id: "queue-h", tabindex: "-1" }, t("q_panel_title")),
				h("p", { class: "lead" }, t(connection.offline() ? "q_panel_offline" : "q_panel_online")),
				h("ul", { class: "queue-list", id: "queue-list" }, items.map((item) => queuedEntry(item, "li"))),
			),
		);
	}
}

// The header's button; hidden while nothing waits.
export function queueButton() {
	button = h("button", {
		type: "button",
		id: "queue-toggle",
		class: "btn btn-quiet queue-toggle",
		"aria-controls": "queue-panel",
		onclick: () => {
			open = !open;
			paint();
			if (open) panel.querySelector("h2")?.focus();
		},
	});
	paint();
	return button;
}

// The panel under the header.
export function queuePanel() {
	panel = h("section", { id: "queue-panel", class: "queue-panel", "aria-labelledby": "queue-h", tabindex: "-1" });
	paint();
	return panel;
}

queue.subscribe(({ type, item }) => {
	const what = item ? kindOf(item).title(item) : "";
	if (type === "queued") announce(t(connection.offline() ? "q_said_queued" : "q_said_sending", { what }));
	else if (type === "sent") announce(t("q_said_sent", { what }));
	else if (type === "discarded" && item) announce(t("q_said_discarded", { what }));
	else if (type === "conflict" || type === "failed") {
		open = true;
		announce(t("q_said_conflict", { what }), "warn");
	}
	paint();
});
connection.subscribe(() => paint());
