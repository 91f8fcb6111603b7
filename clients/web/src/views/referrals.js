// Referrals (Vermittlungen): the agency's inbox, the outbox, and one referral with its moves,
// its handovers and its history. Statuses are read per side: what the sender calls "sent" is
// "new" to the receiver.
import * as api from "../api.js";
import { h, clear, fill, field, select, table, badge, fmtDate, isoDay, localNow, fromLocal } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, navigate, session } from "../main.js";
import { problemSlug, showProblem } from "../problems.js";
import { referForm } from "./refer.js";
import { connection } from "../offline.js";
import { queue } from "../queue.js";
import { queuedEntry } from "../queuepanel.js";
import { colleagues, responsibleCell } from "./team.js";
import { thread } from "./thread.js";
import { contactCard, appointmentCard } from "./around.js";
import { unread } from "../unread.js";

// What each side may do now comes with the referral (allowed_moves), what each status means
// and the outcome and channel lists with the vocabulary (api.vocabulary, lib/referral.c):
// nothing of the state machine is copied here (docs/developing.md, "Adding a referral
// status"). Only how a status looks is the web app's own.
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

// The side of the signed-in node on r.
export function sideOf(r) {
	return r.to_node_id === session.me.node_id ? "receiver" : "sender";
}

// A status in words for one side: the sender's "sent" is "Gesendet", the receiver's "Neu".
export function statusText(status, side) {
	return t(status === "sent" && side === "sender" ? "st_sent_sender" : `st_${status}`);
}

export function statusBadge(status, side = "receiver") {
	const tone = status === "sent" && side === "sender" ? "info" : TONE[status] || "muted";
	return badge(statusText(status, side), tone);
}

export function statusCell(r, side = r && r.to_node_id ? sideOf(r) : "receiver") {
	return h(
		"span",
		{ class: "status-cell" },
		statusBadge(r.status, side),
		r.overdue ? badge(t("overdue"), "overdue") : null,
		r.priority === "urgent" ? badge(t("urgent"), "urgent") : null,
		r.kind === "transfer" ? badge(t("kind_transfer"), "info") : null,
		unread.of(r.id) ? h("span", { class: "badge badge-new unread-mark", dataset: { unread: String(unread.of(r.id)) } }, t("unread_n", { n: unread.of(r.id) })) : null,
	);
}

// The chain step of a referral by its name (its key when the name is not known).
export function stepText(r) {
	return r.chain_step_name || r.chain_step_key || t("step_none");
}

// What came back: the reason of a decline, drop-out or withdrawal, the outcome, the
// appointment or the date a waitlisted place is expected.
export function feedbackText(r) {
	if (r.status_reason) return t(`r_${r.status_reason}`);
	if (r.outcome) return t(`o_${r.outcome}`);
	const info = api.statusInfo(r.status);
	if (r.appointment_at && info.open) return t("feedback_appointment", { at: fmtDate(r.appointment_at, true) });
	if (r.expected_on && info.clock === "expected") return t("feedback_expected", { on: fmtDate(r.expected_on) });
	return "";
}

function redirectLink(r) {
	return h("a", { class: "btn btn-small", href: `/referrals/${r.id}?redirect=1`, "data-link": true, dataset: { redirect: r.id } }, t("redirect_action"));
}

// The inbox and the outbox share a list with filters; box is "inbox" or "outbox".
async function boxView(main, box) {
	await Promise.all([api.nodes(), api.vocabulary()]);
	const inbox = box === "inbox";
	const side = inbox ? "receiver" : "sender";
	let filter = "open";
	const body = h("div", { id: `${box}-list`, "aria-live": "polite", "aria-busy": "false" });
	const tabs = [
		["open", t("filter_open")],
		...(inbox ? [] : [["declined", t("filter_declined")]]),
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

	let loads = 0;
	async function load() {
		const seq = ++loads;
		body.setAttribute("aria-busy", "true");
		const status = filter === "declined" ? "declined" : null;
		const q = { box, status, open: filter === "open" ? "true" : null, overdue: filter === "overdue" ? "true" : null };
		let items;
		// The outbox's referrals are on the node's own cases: whose each one is.
		let cases = new Map();
		try {
			const [list, own] = await Promise.all([api.all(`/v1/referrals${api.qs(q)}`), inbox ? [] : api.all("/v1/cases?scope=node", 5000)]);
			items = list;
			cases = new Map(own.map((c) => [c.id, c]));
		} catch (e) {
			if (seq === loads) fill(body, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
			return;
		}
		// Only the latest load draws: a filter chosen meanwhile wins over an earlier one.
		if (seq !== loads) return;
		body.setAttribute("aria-busy", "false");
		if (!items.length) {
			fill(body, h("p", { class: "empty" }, t(inbox ? "inbox_empty" : "outbox_empty")));
			return;
		}
		const other = inbox ? "from_node_id" : "to_node_id";
		const columns = [
			[t(inbox ? "col_received" : "col_sent"), (r) => fmtDate(r.created_at, true)],
			[t("col_case"), (r) => h("a", { href: `/referrals/${r.id}`, "data-link": true, class: "row-link" }, r.case?.reference || "–")],
			[t(inbox ? "col_from" : "col_to"), (r) => api.nodeName(r[other])],
			[t("col_step"), stepText],
			[t("col_status"), (r) => [statusCell(r, side), queue.pendingFor("transition", r.id) ? [" ", badge(t("q_badge"), "queued")] : null]],
		];
		if (inbox) {
			columns.push([t("col_due"), (r) => (api.statusInfo(r.status).clock ? fmtDate(r.due_at) : "–")]);
			columns.push([t("col_appointment"), (r) => (r.appointment_at ? fmtDate(r.appointment_at, true) : "–")]);
		} else {
			columns.push([t("col_feedback"), (r) => h("span", { class: "feedback" }, feedbackText(r) || "–", r.status === "declined" ? [" ", redirectLink(r)] : null)]);
			columns.push([t("team_responsible"), (r) => (cases.has(r.case_id) ? responsibleCell(cases.get(r.case_id)) : "–")]);
		}
		fill(body, table(columns, items, { class: "clickable", rowAttrs: (r) => ({ dataset: { id: r.id, status: r.status }, class: r.overdue ? "row-overdue" : "" }) }));
		// A click anywhere on a row opens it, like its link does.
		for (const tr of body.querySelectorAll("tbody tr")) {
			tr.addEventListener("click", (e) => {
				if (e.target.closest("a, button")) return;
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
	// A move of the queue sent, refused or discarded: the list follows.
	const unsubscribe = queue.subscribe(({ type }) => type !== "loaded" && load());
	return {
		refresh: load,
		onLive: (type, data) => {
			const mine = inbox ? data.to_node_id : data.from_node_id;
			if (mine && mine !== session.me.node_id) return;
			// The notification (notices.js) says what arrived; the list just follows.
			load();
		},
		destroy: unsubscribe,
	};
}

export const inboxView = (main) => boxView(main, "inbox");
export const outboxView = (main) => boxView(main, "outbox");

function row(term, value) {
	return value === null || value === undefined || value === "" ? null : [h("dt", {}, term), h("dd", {}, value)];
}

// The form a move needs (what allowed_moves says it carries, and a note). people: the node's
// caseworkers when accepting a transfer, which names the case's new responsible person (the
// one accepting, unless another is chosen).
export function moveForm(r, move, onSubmit, onCancel, people) {
	const to = move.to;
	const controls = [];
	const values = {};
	const label = (text, input) => (input.required ? text : `${text} (${t("optional")})`);
	if (move.appointment_at) {
		values.appointment_at = h("input", { type: "datetime-local", name: "appointment_at", id: "move-appointment", required: move.appointment_at.required });
		controls.push(field(label(t("appointment_at"), move.appointment_at), values.appointment_at));
	}
	if (people) {
		values.responsible_account_id = select("responsible_account_id", people.map((p) => [p.id, p.display_name]), session.me.id, { id: "move-responsible" });
		controls.push(field(t("team_transfer_responsible"), values.responsible_account_id, t("team_transfer_responsible_hint")));
	}
	if (move.expected_on) {
		values.expected_on = h("input", { type: "date", name: "expected_on", id: "move-expected", required: move.expected_on.required, min: isoDay() });
		controls.push(field(label(t("expected_on"), move.expected_on), values.expected_on, t("expected_on_hint")));
	}
	if (move.reason) {
		values.reason = select("reason", [["", t("choose")], ...move.reason.codes.map((x) => [x, t(`r_${x}`)])], "", { required: move.reason.required, id: "move-reason" });
		controls.push(field(label(t("reason"), move.reason), values.reason));
	}
	if (move.outcome) {
		values.outcome = select("outcome", [["", t("choose")], ...move.outcome.codes.map((o) => [o, t(`o_${o}`)])], "", { required: move.outcome.required, id: "move-outcome" });
		controls.push(field(label(t("outcome"), move.outcome), values.outcome, t("outcome_hint")));
	}
	values.note = h("textarea", { name: "note", id: "move-note", rows: 2, maxlength: 2000 });
	controls.push(field(t("note"), values.note));
	const submit = h("button", { class: `btn ${move.reason ? "btn-danger" : "btn-primary"}`, type: "submit" }, moveLabel(r, to));
	const form = h(
		"form",
		{
			class: "move-form",
			id: `move-${to}`,
			// Offline, the move waits in the queue (queue-transition.js).
			dataset: { offline: "queue" },
			onsubmit: (e) => {
				e.preventDefault();
				const body = { to };
				for (const [k, el] of Object.entries(values)) {
					if (!el.value) continue;
					body[k] = k === "appointment_at" ? fromLocal(el.value) : el.value;
				}
				submit.disabled = true;
				onSubmit(body, form).finally(() => (submit.disabled = false));
			},
		},
		h("h3", {}, moveLabel(r, to)),
		r.kind === "transfer" && api.statusInfo(to).hands_over_case ? h("p", { class: "notice" }, t("transfer_complete_explain")) : null,
		controls,
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, submit, h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

// Whether a move carries nothing but the move itself (one click makes it).
export function plainMove(move) {
	return !move.reason && !move.outcome && !move.expected_on && !move.appointment_at;
}

// A move's look: one that gives a reason ends the referral short (decline, drop-out,
// withdrawal), one that waits for a date is neither; the others take it forward.
export function moveClass(move) {
	if (move.reason) return "btn btn-danger-quiet";
	return move.expected_on ? "btn" : "btn btn-primary";
}

// A move's button text; a transfer's completion takes the case over.
export function moveLabel(r, to) {
	return t(r.kind === "transfer" && api.statusInfo(to).hands_over_case ? "act_take_over" : `act_${to}`);
}

// What the page says when the node has no move to make, by status and side.
function restingText(r, side) {
	if (side === "sender" && r.status === "declined") return t("rest_declined_sender", { reason: r.status_reason ? t(`r_${r.status_reason}`) : "–" });
	if (!api.statusInfo(r.status).open) return t("rest_closed", { status: statusText(r.status, side) });
	return t("rest_waiting");
}

export async function referralView(main, id) {
	await Promise.all([api.nodes(), api.vocabulary()]);
	let redirectOpen = new URLSearchParams(location.search).get("redirect") === "1";
	let side = "receiver";
	// A message adds an entry to the timeline; only the timeline is drawn again.
	async function refreshTimeline() {
		const events = await api.get(`/v1/referrals/${id}/events?limit=500`);
		const list = main.querySelector("#timeline");
		if (list) fill(list, (events.items || []).map((e) => timelineItem(e, side)));
	}
	let reference = "";
	const contact = contactCard(id);
	const messages = thread(id, session.me.node_id, () => refreshTimeline().catch(() => null), () => reference);

	async function load() {
		const [r, events] = await Promise.all([api.get(`/v1/referrals/${id}`), api.get(`/v1/referrals/${id}/events?limit=500`)]);
		draw(r, events.items || []);
		await Promise.all([messages.reload(), contact.reload()]);
	}

	function draw(r, events) {
		side = sideOf(r);
		reference = r.case?.reference || "";
		messages.basis(r);
		const moves = r.allowed_moves || [];
		const formSlot = h("div", { class: "form-slot" });
		const buttons = moves.map((move) =>
			h(
				"button",
				{
					type: "button",
					class: moveClass(move),
					dataset: { move: move.to },
					onclick: async () => {
						if (plainMove(move)) return transition({ to: move.to });
						// Accepting a transfer names who takes the case on (the vocabulary says
						// which move accepts: the one stamping accepted_at).
						const people = r.kind === "transfer" && side === "receiver" && api.statusInfo(move.to).stamp === "accepted_at" ? await colleagues() : null;
						fill(formSlot, moveForm(r, move, transition, () => clear(formSlot), people));
						formSlot.querySelector("select, input, textarea")?.focus();
					},
				},
				moveLabel(r, move.to),
			),
		);

		// Offline (or without an answer) the move waits in the queue, with the version seen and
		// the move's Idempotency-Key: a move the server did make before its answer was lost is
		// then answered as made, not refused as a conflict with itself.
		async function queueMove(body, key) {
			const context = { reference: r.case?.reference || "", side, status: r.status, seen_at: r.updated_at, transfer: r.kind === "transfer", idempotency_key: key };
			await queue.add("transition", id, body, { ifMatch: r.version, context });
			await load();
			main.querySelector("#queued-move")?.focus();
		}

		async function transition(body, form) {
			const key = api.newIdempotencyKey();
			if (connection.offline()) return queueMove(body, key);
			try {
				await api.post(`/v1/referrals/${id}/transitions`, body, { ifMatch: r.version, idempotencyKey: key });
				announce(t("done_transition", { status: statusText(body.to, side) }));
				await load();
				main.querySelector("#referral-status")?.focus();
			} catch (e) {
				if (e.status === 0) {
					await queueMove(body, key);
				} else if (e.status === 412 || problemSlug(e) === "illegal-transition") {
					announce(errorText(e), "warn");
					await load();
				} else if (form) {
					showProblem(form, e);
				} else {
					announce(errorText(e), "error");
				}
			}
		}

		const redirectSlot = h("div", { class: "form-slot", id: "redirect-slot" });
		async function openRedirect() {
			const c = await api.get(`/v1/cases/${r.case_id}`);
			const [consents, progress] = await Promise.all([
				api.get(`/v1/cases/${r.case_id}/consents`).then((x) => x.items || []),
				c.chain_id && r.chain_step_key ? api.get(`/v1/cases/${r.case_id}/next-steps`).catch(() => null) : null,
			]);
			const step = progress && (progress.items || []).find((s) => s.key === r.chain_step_key);
			const form = await referForm({
				c,
				consents,
				step: step || (r.chain_step_key ? { key: r.chain_step_key, name: stepText(r), suggestions: [] } : null),
				redirectedFrom: r.id,
				onDone: (made) => navigate(`/referrals/${made.id}`),
				onCancel: () => {
					redirectOpen = false;
					clear(redirectSlot);
				},
			});
			fill(redirectSlot, form);
			form.querySelector("select")?.focus();
		}

		const sender = side === "sender";
		const canRedirect = sender && r.status === "declined";
		const actions = [];
		// A move of this referral that waits in the queue stands instead of the moves.
		const queued = queue.pendingFor("transition", id);
		if (queued) actions.push(h("div", { class: "queued-move", id: "queued-move", tabindex: "-1" }, queuedEntry(queued, "div", false)));
		else {
			if (side === "sender" && api.statusInfo(r.status).open) actions.push(h("p", { class: "rest", id: "rest" }, t("rest_waiting")));
			if (moves.length) actions.push(h("div", { class: "actions actions-wrap", id: "moves" }, buttons), formSlot);
			else actions.push(h("p", { class: "rest", id: "rest" }, restingText(r, side)));
		}
		if (canRedirect) {
			actions.push(
				h("button", { class: "btn btn-primary", type: "button", id: "redirect-open", onclick: () => openRedirect().catch((e) => announce(errorText(e), "error")) }, t("redirect_action")),
				redirectSlot,
			);
		}
		const handover = sender && api.statusInfo(r.status).handover ? handoverForm(id, load) : null;
		// The receiver has no accounts: it answers through a link (views/link.js).
		const linkSlot = sender && r.link ? linkCard(r, load) : null;
		const caseLink = sender ? h("a", { href: `/cases/${r.case_id}`, "data-link": true }, t("referral_case_link", { ref: r.case?.reference || "" })) : null;

		fill(main,
			h(
				"p",
				{ class: "crumbs" },
				h("a", { href: sender ? "/outbox" : "/inbox", "data-link": true }, "← ", t(sender ? "nav_outbox" : "nav_inbox")),
				caseLink ? [" · ", caseLink] : null,
			),
			h(
				"div",
				{ class: "page-head" },
				h(
					"div",
					{},
					h("h1", { tabindex: "-1" }, `${t(r.kind === "transfer" ? "transfer_title_short" : "referral_title")} · ${r.case?.reference || ""}`),
					h("p", { class: "lead", id: "referral-status", tabindex: "-1" }, statusCell(r, side)),
				),
			),
			h(
				"div",
				{ class: "grid-2" },
				h(
					"section",
					{ class: "card", "aria-labelledby": "facts-h" },
					h("h2", { id: "facts-h", class: "visually-hidden" }, t("referral_facts")),
					h(
						"dl",
						{ class: "facts" },
						row(t("referral_from"), api.nodeName(r.from_node_id)),
						row(t("referral_to"), api.nodeName(r.to_node_id)),
						row(t("referral_kind"), t(r.kind === "transfer" ? "kind_transfer" : "kind_service")),
						row(t("col_step"), r.chain_step_key ? stepText(r) : null),
						row(t("referral_reason"), r.reason),
						row(t("referral_note"), r.note),
						row(t("referral_created"), fmtDate(r.created_at, true)),
						row(t("referral_due"), api.statusInfo(r.status).clock ? fmtDate(r.due_at) : null),
						row(t("referral_appointment"), r.appointment_at ? fmtDate(r.appointment_at, true) : null),
						row(t("referral_expected"), r.expected_on ? fmtDate(r.expected_on) : null),
						row(t("referral_status_reason"), r.status_reason ? t(`r_${r.status_reason}`) : null),
						row(t("referral_outcome"), r.outcome ? t(`o_${r.outcome}`) : null),
						row(t("referral_redirected_from"), r.redirected_from ? h("a", { href: `/referrals/${r.redirected_from}`, "data-link": true }, t("referral_earlier")) : null),
					),
				),
				h("section", { class: "card", "aria-labelledby": "actions-h", id: "actions" }, h("h2", { id: "actions-h" }, t("referral_actions")), actions, handover),
			),
			linkSlot,
			h("div", { class: "grid-2" }, contact.el, appointmentCard(r, side, load)),
			h(
				"section",
				{ class: "card", "aria-labelledby": "timeline-h" },
				h("h2", { id: "timeline-h", tabindex: "-1" }, t("referral_timeline")),
				h("ol", { class: "timeline", id: "timeline" }, events.map((e) => timelineItem(e, side))),
			),
			messages.el,
		);
		if (canRedirect && redirectOpen) openRedirect().catch((e) => announce(errorText(e), "error"));
	}

	await load();
	// This referral's queued move sent, refused or discarded: the page follows.
	const unsubscribe = queue.subscribe(({ type, item }) => {
		if (item && item.kind === "transition" && item.key === id && type !== "queued") load().catch(() => null);
	});
	return {
		onLive: (type, data) => {
			if (data.referral_id !== id) return;
			// A message changes the thread only: what is being typed stays.
			if (type === "referral.message") {
				messages.reload().catch(() => null);
				refreshTimeline().catch(() => null);
			}
			else load();
		},
		destroy: () => {
			unsubscribe();
			messages.destroy();
		},
	};
}

function timelineItem(e, side) {
	const what =
		e.kind === "created"
			? t("ev_created")
			: e.kind === "handover"
				? t("ev_handover", { channel: t(`ch_${e.channel}`), warm: e.warm ? t("warm_suffix") : "" })
				: e.kind === "message"
					? t("ev_message")
					: e.kind === "appointment"
						? e.appointment_at
							? t("ev_appointment", { at: fmtDate(e.appointment_at, true) })
							: t("ev_appointment_cleared")
						: t("ev_transition", { from: statusText(e.from_status, side), to: statusText(e.to_status, side) });
	return h(
		"li",
		{ dataset: { kind: e.kind } },
		h("time", { datetime: e.at }, fmtDate(e.at, true)),
		h("span", { class: "tl-what" }, what),
		h("span", { class: "tl-who" }, api.nodeName(e.actor_node_id)),
		e.kind === "handover" && e.handover_at ? h("span", { class: "tl-note" }, t("ev_handover_at", { at: fmtDate(e.handover_at, true) })) : null,
		e.kind === "transition" && e.channel ? h("span", { class: "tl-note tl-channel", dataset: { channel: e.channel } }, t(`via_${e.channel}`)) : null,
		e.status_reason ? h("span", { class: "tl-note" }, t(`r_${e.status_reason}`)) : null,
		e.outcome ? h("span", { class: "tl-note" }, t(`o_${e.outcome}`)) : null,
		e.note ? h("span", { class: "tl-note" }, e.note) : null,
	);
}

function handoverForm(id, reload) {
	const channel = select("channel", api.vocab.channels.map((c) => [c, t(`ch_${c}`)]), "in_person", { id: "handover-channel" });
	const warm = h("input", { type: "checkbox", name: "warm", id: "handover-warm", checked: true });
	const at = h("input", { type: "datetime-local", name: "at", id: "handover-at", value: localNow(), max: localNow() });
	const note = h("textarea", { name: "note", id: "handover-note", rows: 2, maxlength: 2000 });
	const form = h(
		"form",
		{
			id: "handover-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					const body = { channel: channel.value, warm: warm.checked };
					if (at.value) body.at = fromLocal(at.value);
					if (note.value.trim()) body.note = note.value.trim();
					await api.post(`/v1/referrals/${id}/handovers`, body);
					announce(t("handover_done"));
					await reload();
					document.getElementById("timeline-h")?.focus();
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("handover_channel"), channel),
		h("div", { class: "field field-check" }, warm, h("label", { for: warm.id }, t("handover_warm"))),
		field(t("handover_at"), at, t("handover_at_hint")),
		field(t("note"), note),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit" }, t("handover_submit")),
	);
	return h("details", { class: "handover", id: "handover" }, h("summary", {}, t("handover_title")), form);
}

// The link a receiver without accounts answers through (schema/functions/links.sql): where it
// went, until when it holds, and the sender's two actions: send a new one (the old one stops
// working) and revoke it.
function linkCard(r, reload) {
	const link = r.link;
	const open = api.statusInfo(r.status).open;
	async function act(method, done) {
		try {
			await api.request(method, `/v1/referrals/${r.id}/link`);
			announce(t(done));
			await reload();
			document.getElementById("link-card-h")?.focus();
		} catch (e) {
			announce(errorText(e), "error");
		}
	}
	return h(
		"section",
		{ class: "card", "aria-labelledby": "link-card-h", id: "link-card", dataset: { state: link.state } },
		h("h2", { id: "link-card-h", tabindex: "-1" }, t("link_card_title")),
		h("p", {}, t("link_card_intro")),
		h(
			"dl",
			{ class: "facts" },
			row(t("link_card_recipient"), link.recipient),
			row(t("link_card_sent"), fmtDate(link.sent_at, true)),
			row(t("link_card_state"), h("span", { id: "link-state" }, t(`link_state_${link.state}`))),
			row(t("link_card_expires"), link.state === "live" ? fmtDate(link.expires_at, true) : null),
			row(t("link_card_used"), link.last_used_at ? fmtDate(link.last_used_at, true) : null),
		),
		open
			? h(
				"div",
				{ class: "actions" },
				h("button", { class: "btn", type: "button", id: "link-send", onclick: () => act("POST", "link_sent") }, t(link.state === "live" ? "link_send_again" : "link_send")),
				link.state === "live" ? h("button", { class: "btn btn-danger-quiet", type: "button", id: "link-revoke", onclick: () => act("DELETE", "link_revoked") }, t("link_revoke")) : null,
			)
			: null,
	);
}
