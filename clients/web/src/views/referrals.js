// Referrals: the agency inbox, the outbox, and one referral with its actions and history.
import * as api from "../api.js";
import { h, clear, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, session } from "../main.js";

const OPEN = "sent,received,waitlisted,accepted,in_progress";

// What the receiver and the sender may do from each status (lib/referral.c's table).
const RECEIVER_MOVES = {
	sent: ["received", "accepted", "waitlisted", "declined"],
	received: ["accepted", "waitlisted", "declined"],
	waitlisted: ["accepted", "declined"],
	accepted: ["in_progress", "dropped_out"],
	in_progress: ["completed", "dropped_out"],
};
const SENDER_MOVES = {
	sent: ["withdrawn"],
	received: ["withdrawn"],
	waitlisted: ["withdrawn"],
	accepted: ["withdrawn"],
	in_progress: ["withdrawn"],
};
const REASONS = {
	declined: ["no_capacity", "not_eligible", "client_unreachable", "other"],
	dropped_out: ["no_show", "broke_off", "moved_away", "other"],
	withdrawn: ["no_longer_needed", "other"],
};
const OUTCOMES = ["goal_reached", "partially_reached", "not_reached", "referred_on"];
const CHANNELS = ["in_person", "phone", "video", "letter", "portal"];
const TONE = {
	sent: "new",
	received: "info",
	waitlisted: "warn",
	accepted: "ok",
	in_progress: "ok",
	completed: "done",
	declined: "bad",
	dropped_out: "bad",
	withdrawn: "muted",
};

export function statusBadge(status) {
	return badge(t(`st_${status}`), TONE[status] || "muted");
}

export function statusCell(r) {
	return h(
		"span",
		{ class: "status-cell" },
		statusBadge(r.status),
		r.overdue ? badge(t("overdue"), "overdue") : null,
		r.priority === "urgent" ? badge(t("urgent"), "urgent") : null,
	);
}

function nodeName(nodes, id) {
	return (nodes.get(id) || {}).name || id;
}

// The inbox and the outbox share a list with filters; box is "inbox" or "outbox".
async function boxView(main, box) {
	const nodes = await api.nodes();
	const inbox = box === "inbox";
	let filter = inbox ? "open" : "all";
	const body = h("div", { id: `${box}-list`, "aria-live": "polite", "aria-busy": "false" });
	const tabs = [
		["open", t("filter_open")],
		["overdue", t("filter_overdue")],
		["all", t("filter_all")],
	];
	const tabBar = h(
		"div",
		{ class: "segmented", role: "group", "aria-label": t("filter_status") },
		tabs.map(([key, text]) =>
			h(
				"button",
				{
					type: "button",
					class: "seg",
					dataset: { filter: key },
					"aria-pressed": String(key === filter),
					onclick: (e) => {
						filter = key;
						for (const b of tabBar.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
						load();
					},
				},
				text,
			),
		),
	);

	async function load() {
		body.setAttribute("aria-busy", "true");
		const q = { box, status: filter === "open" ? OPEN : null, overdue: filter === "overdue" ? "true" : null };
		let items;
		try {
			items = await api.all(`/v1/referrals${api.qs(q)}`);
		} catch (e) {
			fill(body, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
			return;
		}
		body.setAttribute("aria-busy", "false");
		if (!items.length) {
			fill(body, h("p", { class: "empty" }, t("inbox_empty")));
			return;
		}
		const other = inbox ? "from_node_id" : "to_node_id";
		fill(body,
			table(
				[
					[t(inbox ? "col_received" : "referral_created"), (r) => fmtDate(r.created_at, true)],
					[
						t("col_case"),
						(r) => h("a", { href: `/referrals/${r.id}`, "data-link": true, class: "row-link" }, r.case?.reference || "–"),
					],
					[t(inbox ? "col_from" : "col_to"), (r) => nodeName(nodes, r[other])],
					[t("col_step"), (r) => r.chain_step_key || "–"],
					[t("col_status"), statusCell],
					[t("col_due"), (r) => (["sent", "received", "waitlisted"].includes(r.status) ? fmtDate(r.due_at) : "–")],
					[t("col_appointment"), (r) => (r.appointment_at ? fmtDate(r.appointment_at, true) : "–")],
				],
				items,
				{
					class: "clickable",
					rowAttrs: (r) => ({ dataset: { id: r.id, status: r.status }, class: r.overdue ? "row-overdue" : "" }),
				},
			),
		);
		// A click anywhere on a row opens it, like its link does.
		for (const tr of body.querySelectorAll("tbody tr")) {
			tr.addEventListener("click", (e) => {
				if (e.target.closest("a")) return;
				tr.querySelector("a.row-link").click();
			});
		}
	}

	fill(main,
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t(inbox ? "inbox_title" : "outbox_title")), h("p", { class: "lead" }, t(inbox ? "inbox_intro" : "outbox_intro"))),
			tabBar,
		),
		h("section", { class: "card card-flush" }, body),
	);
	await load();
	return {
		refresh: load,
		onLive: (type, data) => {
			const mine = inbox ? data.to_node_id : data.from_node_id;
			if (mine && session.me && mine !== session.me.node_id) return;
			announce(type === "referral.created" ? t("live_new") : t("live_updated"), "info");
			load();
		},
	};
}

export const inboxView = (main) => boxView(main, "inbox");
export const outboxView = (main) => boxView(main, "outbox");

function row(term, value) {
	return value === null || value === undefined || value === "" ? null : [h("dt", {}, term), h("dd", {}, value)];
}

// The form a move needs (appointment, expected date, reason, outcome, note), or none.
function moveForm(to, onSubmit, onCancel) {
	const controls = [];
	const values = {};
	if (to === "accepted") {
		values.appointment_at = h("input", { type: "datetime-local", name: "appointment_at" });
		controls.push(field(`${t("appointment_at")} (${t("optional")})`, values.appointment_at));
	}
	if (to === "waitlisted") {
		values.expected_on = h("input", { type: "date", name: "expected_on", required: true });
		controls.push(field(t("expected_on"), values.expected_on));
	}
	if (REASONS[to]) {
		values.reason = select("reason", REASONS[to].map((r) => [r, t(`r_${r}`)]), null, { required: to !== "withdrawn" });
		controls.push(field(t("reason"), values.reason));
	}
	if (to === "completed") {
		values.outcome = select("outcome", OUTCOMES.map((o) => [o, t(`o_${o}`)]), null, { required: true });
		controls.push(field(t("outcome"), values.outcome));
	}
	values.note = h("textarea", { name: "note", rows: 2, maxlength: 2000 });
	controls.push(field(t("note"), values.note));
	const submit = h("button", { class: `btn ${["declined", "dropped_out", "withdrawn"].includes(to) ? "btn-danger" : "btn-primary"}`, type: "submit" }, t(`act_${to}`));
	return h(
		"form",
		{
			class: "move-form",
			id: `move-${to}`,
			onsubmit: (e) => {
				e.preventDefault();
				const body = { to };
				for (const [k, el] of Object.entries(values)) {
					if (!el.value) continue;
					body[k] = k === "appointment_at" ? new Date(el.value).toISOString() : el.value;
				}
				submit.disabled = true;
				onSubmit(body).finally(() => (submit.disabled = false));
			},
		},
		h("h3", {}, t(`act_${to}`)),
		controls,
		h("div", { class: "actions" }, submit, h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
}

export async function referralView(main, id) {
	const nodes = await api.nodes();

	async function load() {
		const [r, events] = await Promise.all([api.get(`/v1/referrals/${id}`), api.get(`/v1/referrals/${id}/events?limit=500`)]);
		draw(r, events.items || []);
	}

	function draw(r, events) {
		const me = session.me.node_id;
		const side = r.to_node_id === me ? RECEIVER_MOVES : SENDER_MOVES;
		const moves = side[r.status] || [];
		const formSlot = h("div", { class: "form-slot" });
		const buttons = moves.map((to) =>
			h(
				"button",
				{
					type: "button",
					class: `btn ${to === "accepted" || to === "received" || to === "in_progress" || to === "completed" ? "btn-primary" : ["declined", "dropped_out", "withdrawn"].includes(to) ? "btn-danger-quiet" : ""}`,
					dataset: { move: to },
					onclick: () => {
						const needsForm = to !== "received" && to !== "in_progress";
						if (!needsForm) return transition({ to });
						fill(formSlot, moveForm(to, transition, () => clear(formSlot)));
						formSlot.querySelector("select, input, textarea")?.focus();
					},
				},
				t(`act_${to}`),
			),
		);

		async function transition(body) {
			try {
				await api.post(`/v1/referrals/${id}/transitions`, body, { ifMatch: r.version });
				announce(t("done_transition", { status: t(`st_${body.to}`) }));
				await load();
				main.querySelector("h1")?.focus();
			} catch (e) {
				if (e.status === 412 || e.status === 409) {
					announce(t("stale"), "warn");
					await load();
				} else {
					announce(errorText(e), "error");
				}
			}
		}

		const handover =
			r.from_node_id === me && !["declined", "withdrawn"].includes(r.status) ? handoverForm(id, load) : null;

		fill(main,
			h("p", { class: "crumbs" }, h("a", { href: r.to_node_id === me ? "/inbox" : "/outbox", "data-link": true }, "← ", t(r.to_node_id === me ? "nav_inbox" : "nav_outbox"))),
			h(
				"div",
				{ class: "page-head" },
				h("div", {}, h("h1", { tabindex: "-1" }, `${t("referral_title")} · ${r.case?.reference || ""}`), h("p", { class: "lead", id: "referral-status" }, statusCell(r))),
			),
			h(
				"div",
				{ class: "grid-2" },
				h(
					"section",
					{ class: "card" },
					h(
						"dl",
						{ class: "facts" },
						row(t("referral_from"), nodeName(nodes, r.from_node_id)),
						row(t("referral_to"), nodeName(nodes, r.to_node_id)),
						row(t("col_step"), r.chain_step_key),
						row(t("referral_reason"), r.reason),
						row(t("referral_note"), r.note),
						row(t("referral_created"), fmtDate(r.created_at, true)),
						row(t("referral_due"), ["sent", "received", "waitlisted"].includes(r.status) ? fmtDate(r.due_at) : null),
						row(t("referral_appointment"), r.appointment_at ? fmtDate(r.appointment_at, true) : null),
						row(t("referral_expected"), r.expected_on ? fmtDate(r.expected_on) : null),
						row(t("referral_status_reason"), r.status_reason ? t(`r_${r.status_reason}`) : null),
						row(t("referral_outcome"), r.outcome ? t(`o_${r.outcome}`) : null),
					),
				),
				h(
					"section",
					{ class: "card", "aria-labelledby": "actions-h" },
					h("h2", { id: "actions-h" }, t("referral_actions")),
					moves.length ? h("div", { class: "actions actions-wrap", id: "moves" }, buttons) : h("p", { class: "empty" }, t("referral_no_actions")),
					formSlot,
					handover,
				),
			),
			h(
				"section",
				{ class: "card" },
				h("h2", {}, t("referral_timeline")),
				h(
					"ol",
					{ class: "timeline", id: "timeline" },
					events.map((e) =>
						h(
							"li",
							{},
							h("time", { datetime: e.at }, fmtDate(e.at, true)),
							h(
								"span",
								{ class: "tl-what" },
								e.kind === "created"
									? t("ev_created")
									: e.kind === "handover"
										? t("ev_handover", { channel: t(`ch_${e.channel}`), warm: e.warm ? t("warm_suffix") : "" })
										: t("ev_transition", { from: t(`st_${e.from_status}`), to: t(`st_${e.to_status}`) }),
							),
							h("span", { class: "tl-who" }, nodeName(nodes, e.actor_node_id)),
							e.status_reason ? h("span", { class: "tl-note" }, t(`r_${e.status_reason}`)) : null,
							e.outcome ? h("span", { class: "tl-note" }, t(`o_${e.outcome}`)) : null,
							e.note ? h("span", { class: "tl-note" }, e.note) : null,
						),
					),
				),
			),
		);
	}

	await load();
	return {
		onLive: (type, data) => {
			if (data.referral_id === id) load().then(() => announce(t("live_updated"), "info"));
		},
	};
}

function handoverForm(id, reload) {
	const channel = select("channel", CHANNELS.map((c) => [c, t(`ch_${c}`)]), "in_person");
	const warm = h("input", { type: "checkbox", name: "warm", checked: true });
	const note = h("textarea", { name: "note", rows: 2, maxlength: 2000 });
	return h(
		"details",
		{ class: "handover" },
		h("summary", {}, t("handover_title")),
		h(
			"form",
			{
				id: "handover-form",
				onsubmit: async (e) => {
					e.preventDefault();
					try {
						const body = { channel: channel.value, warm: warm.checked };
						if (note.value) body.note = note.value;
						await api.post(`/v1/referrals/${id}/handovers`, body);
						announce(t("handover_done"));
						await reload();
					} catch (err) {
						announce(errorText(err), "error");
					}
				},
			},
			field(t("handover_channel"), channel),
			h("div", { class: "field field-check" }, warm, h("label", { for: (warm.id = "handover-warm") }, t("handover_warm"))),
			field(t("note"), note),
			h("button", { class: "btn btn-primary", type: "submit" }, t("handover_submit")),
		),
	);
}
