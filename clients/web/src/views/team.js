// Who works on a case and when to look at it again: the case page's team section (the
// responsible person, deputies, handing the case to a colleague; its entries of the case's
// history are worded here, the history itself is views/history.js) and
// follow-up section (Wiedervorlage), the page of one's follow-ups, the count in the
// navigation, and one's absences with a stand-in on the account page.
import * as api from "../api.js";
import { h, clear, fill, field, select, table, badge, fmtDate, isoDay } from "../dom.js";
import { t } from "../i18n.js";
import { announce, session } from "../main.js";
import { showProblem } from "../problems.js";

// The caseworkers of the own node (GET /v1/colleagues), each with today's absence.
export function colleagues() {
	return api.get("/v1/colleagues").then((x) => x.items || []);
}

// A person's name, or the "nobody responsible" state.
export function personName(ref) {
	return ref ? ref.display_name : t("team_nobody");
}

// Whose case it is in a list: the responsible person and, when it is not me, my part in it.
export function responsibleCell(c) {
	const role = c.my_role && c.my_role !== "responsible" ? badge(t(`team_role_${c.my_role}`), c.my_role === "stand_in" ? "warn" : "muted") : null;
	return h("span", { class: "responsible-cell" }, c.responsible ? c.responsible.display_name : h("em", { class: "muted" }, t("team_nobody")), role ? " " : null, role);
}

// The date of a follow-up with how near it is.
export function dueCell(on) {
	if (!on) return "–";
	const today = isoDay();
	const kind = on < today ? "overdue" : on === today ? "warn" : "muted";
	return h("span", { class: "due-cell" }, fmtDate(on), " ", on <= today ? badge(t(on < today ? "fu_overdue" : "fu_today"), kind) : null);
}

// A team entry of the case's timeline (responsible person, deputies, arrival by transfer).
export function teamEntryText(e) {
	const who = personName(e.account);
	if (e.kind === "responsible") return t("team_ev_responsible", { who, from: personName(e.previous_account) });
	if (e.kind === "transferred") return t("team_ev_transferred", { who });
	return t(`team_ev_${e.kind}`, { who });
}

// The team section of the owner's case page.
export async function teamSection(c, reload) {
	const open = c.status === "open";
	const people = open ? await colleagues() : [];
	const slot = h("div", { class: "form-slot", id: "team-tool" });
	const handButton = h("button", { class: "btn", type: "button", id: "team-hand-over" }, t(c.responsible ? "team_hand_over" : "team_take"));
	const deputyButton = h("button", { class: "btn", type: "button", id: "team-deputies" }, t("team_deputies_edit"));
	const close = (button) => () => {
		clear(slot);
		button.focus();
	};
	handButton.addEventListener("click", () => {
		fill(slot, handOverForm(c, people, reload, close(handButton)));
		slot.querySelector("select")?.focus();
	});
	deputyButton.addEventListener("click", () => {
		fill(slot, deputiesForm(c, people, reload, close(deputyButton)));
		slot.querySelector("input")?.focus();
	});
	return h(
		"section",
		{ class: "card", id: "case-team", "aria-labelledby": "team-h" },
		h("h2", { id: "team-h", tabindex: "-1" }, t("team_title")),
		h(
			"dl",
			{ class: "facts" },
			h("dt", {}, t("team_responsible")),
			h("dd", { id: "team-responsible" }, c.responsible ? c.responsible.display_name : h("em", {}, t("team_nobody"))),
			h("dt", {}, t("team_deputies")),
			h("dd", { id: "team-deputy-list" }, c.deputies.length ? c.deputies.map((d) => d.display_name).join(", ") : "–"),
		),
		open ? h("div", { class: "actions" }, handButton, deputyButton) : null,
		slot,
	);
}

function handOverForm(c, people, reload, onCancel) {
	const others = people.filter((p) => !c.responsible || p.id !== c.responsible.id);
	const to = select("account_id", [["", t("choose")], ...others.map((p) => [p.id, p.id === session.me.id ? t("team_me", { name: p.display_name }) : p.display_name])], "", { required: true, id: "hand-over-to" });
	const form = h(
		"form",
		{
			class: "move-form",
			id: "hand-over-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.put(`/v1/cases/${c.id}/responsible`, { account_id: to.value }, { ifMatch: c.version });
					announce(t("team_handed", { who: others.find((p) => p.id === to.value)?.display_name || "" }));
					await reload("#team-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("h3", {}, t(c.responsible ? "team_hand_over" : "team_take")),
		h("p", { class: "muted" }, t("team_hand_over_explain")),
		field(t("team_hand_over_to"), to),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("team_hand_over_submit")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

function deputiesForm(c, people, reload, onCancel) {
	const chosen = new Set(c.deputies.map((d) => d.id));
	const boxes = people
		.filter((p) => !c.responsible || p.id !== c.responsible.id)
		.map((p) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "account_ids", value: p.id, checked: chosen.has(p.id) }), " ", p.display_name));
	const form = h(
		"form",
		{
			class: "move-form",
			id: "deputies-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const ids = [...form.querySelectorAll("input[name=account_ids]:checked")].map((i) => i.value);
				try {
					await api.put(`/v1/cases/${c.id}/deputies`, { account_ids: ids }, { ifMatch: c.version });
					announce(t("team_deputies_saved"));
					await reload("#team-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("h3", {}, t("team_deputies_edit")),
		h("fieldset", {}, h("legend", {}, t("team_deputies")), boxes.length ? boxes : h("p", { class: "muted" }, t("team_no_colleagues"))),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("save")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

function reasonText(f) {
	return f.reason_hidden ? h("em", { class: "muted" }, t("fu_reason_hidden")) : f.reason;
}

// The form that moves open follow-up f to another day (with the version read: a change
// meanwhile is refused, 412).
function moveFollowUpForm(f, reload, onCancel) {
	const due = h("input", { type: "date", name: "due_on", id: "fu-move-due", required: true, min: isoDay(), value: f.due_on });
	const form = h(
		"form",
		{
			id: "follow-up-move-form",
			class: "grid-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.patch(`/v1/follow-ups/${f.id}`, { due_on: due.value }, { ifMatch: f.version });
					announce(t("fu_moved", { on: fmtDate(due.value) }));
					refreshFollowUpCount();
					await reload("#fu-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("fu_move_to", { reason: f.reason_hidden ? "…" : f.reason }), due),
		h("div", { class: "form-error span-all", role: "alert" }),
		h(
			"div",
			{ class: "actions span-all" },
			h("button", { class: "btn btn-primary", type: "submit" }, t("fu_move_save")),
			h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel")),
		),
	);
	return form;
}

// The follow-up section of the owner's case page: its dates, done, moved or taken back, and
// a new one.
export async function followUpSection(c, reload) {
	const open = c.status === "open";
	const items = await api.get(`/v1/cases/${c.id}/follow-ups`).then((x) => x.items || []);
	const act = (f, how) => async () => {
		try {
			if (how === "done") await api.post(`/v1/follow-ups/${f.id}/done`);
			else await api.request("DELETE", `/v1/follow-ups/${f.id}`);
			announce(t(how === "done" ? "fu_done_saved" : "fu_deleted"));
			refreshFollowUpCount();
			await reload("#fu-h");
		} catch (err) {
			announce(err.message);
		}
	};
	const moveSlot = h("div", { class: "form-slot", id: "fu-move-slot" });
	const move = (f) => () => {
		fill(moveSlot, moveFollowUpForm(f, reload, () => clear(moveSlot)));
		moveSlot.querySelector("input")?.focus();
	};
	const due = h("input", { type: "date", name: "due_on", id: "fu-due", required: true, min: isoDay(), value: isoDay(7) });
	const reason = h("input", { name: "reason", id: "fu-reason", required: true, maxlength: 200, autocomplete: "off" });
	const form = h(
		"form",
		{
			id: "follow-up-form",
			class: "grid-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.post(`/v1/cases/${c.id}/follow-ups`, { due_on: due.value, reason: reason.value.trim() });
					announce(t("fu_saved", { on: fmtDate(due.value) }));
					refreshFollowUpCount();
					await reload("#fu-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("fu_due_on"), due),
		field(t("fu_reason"), reason, t("fu_reason_hint")),
		h("div", { class: "form-error span-all", role: "alert" }),
		h("div", { class: "actions span-all" }, h("button", { class: "btn btn-primary", type: "submit" }, t("fu_add"))),
	);
	return h(
		"section",
		{ class: "card", id: "case-follow-ups", "aria-labelledby": "fu-h" },
		h("h2", { id: "fu-h", tabindex: "-1" }, t("fu_title")),
		items.length
			? table(
				[
					[t("fu_due_on"), (f) => (f.state === "open" ? dueCell(f.due_on) : fmtDate(f.due_on))],
					[t("fu_reason"), reasonText],
					[t("col_status"), (f) => (f.state === "done" ? t("fu_done_by", { who: personName(f.done_by), on: fmtDate(f.done_at) }) : t("fu_open"))],
					[
						"",
						(f) =>
							f.state === "open" && open
								? h(
									"span",
									{ class: "actions" },
									h("button", { class: "btn btn-small", type: "button", dataset: { done: f.id }, onclick: act(f, "done") }, t("fu_done")),
									h("button", { class: "btn btn-small", type: "button", dataset: { move: f.id }, onclick: move(f) }, t("fu_move")),
									h("button", { class: "btn btn-small btn-danger-quiet", type: "button", dataset: { delete: f.id }, onclick: act(f, "delete") }, t("fu_delete")),
								)
								: "",
					],
				],
				items,
				{ rowAttrs: (f) => ({ dataset: { id: f.id, state: f.state } }) },
			)
			: h("p", { class: "empty" }, t("fu_none")),
		moveSlot,
		open ? form : null,
	);
}

// The navigation's count of due and overdue follow-ups ("my cases").
const countEls = new Set();
export function followUpCount() {
	const el = h("span", { class: "notice-count", id: "follow-up-count", hidden: true });
	countEls.add(el);
	refreshFollowUpCount();
	return el;
}

export function refreshFollowUpCount() {
	for (const el of [...countEls]) if (!el.isConnected) countEls.delete(el);
	if (!session.me || !session.me.node_id) return;
	api.get("/v1/follow-ups/count").then(
		(n) => {
			const total = n.today + n.overdue;
			for (const el of countEls) {
				el.textContent = total ? String(total) : "";
				el.hidden = !total;
				el.setAttribute("aria-label", t("fu_count_label", { n: total }));
			}
		},
		() => {},
	);
}

// The page of follow-ups: due and overdue of my cases first, "all of the node" one click away.
export async function followUpsView(main) {
	let scope = "mine";
	let due = "due";
	const list = h("div", { id: "follow-up-list", "aria-live": "polite" });
	async function load() {
		const items = await api.all(`/v1/follow-ups${api.qs({ scope, due })}`);
		fill(list,
			items.length
				? table(
					[
						[t("fu_due_on"), (f) => dueCell(f.due_on)],
						[t("case_reference"), (f) => h("a", { href: `/cases/${f.case_id}`, "data-link": true }, f.case_reference)],
						[t("fu_reason"), reasonText],
						[t("team_responsible"), (f) => personName(f.responsible)],
					],
					items,
					{ rowAttrs: (f) => ({ dataset: { id: f.id, case: f.case_id } }) },
				)
				: h("p", { class: "empty" }, t("fu_list_empty")),
		);
	}
	const segmented = (label, options, get, set) => {
		const bar = h(
			"div",
			{ class: "segmented", role: "group", "aria-label": label },
			options.map(([key, text]) =>
				h(
					"button",
					{
						type: "button",
						class: "seg",
						dataset: { filter: key },
						"aria-pressed": String(key === get()),
						onclick: (e) => {
							set(key);
							for (const b of bar.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
							load();
						},
					},
					text,
				),
			),
		);
		return bar;
	};
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("fu_page_title")), h("p", { class: "lead" }, t("fu_page_intro")))),
		h(
			"div",
			{ class: "list-head" },
			segmented(t("team_scope"), [["mine", t("team_scope_mine")], ["node", t("team_scope_node")]], () => scope, (v) => (scope = v)),
			segmented(t("fu_due_filter"), [["due", t("fu_filter_due")], ["overdue", t("fu_overdue")], ["all", t("filter_all")]], () => due, (v) => (due = v)),
		),
		h("section", { class: "card card-flush", "aria-label": t("fu_page_title") }, list),
	);
	await load();
	return {
		onLive: (type) => {
			if (type === "case.follow_up_due" || type === "case.responsible_changed") load().catch(() => {});
		},
	};
}

// One's absences with a stand-in, on the account page.
export async function absenceSection() {
	const [items, people] = await Promise.all([api.get("/v1/me/absences").then((x) => x.items || []), colleagues()]);
	const section = h("section", { class: "card", id: "absences", "aria-labelledby": "absence-h" });
	const others = people.filter((p) => p.id !== session.me.id);
	const starts = h("input", { type: "date", name: "starts_on", id: "absence-starts", required: true, value: isoDay() });
	const ends = h("input", { type: "date", name: "ends_on", id: "absence-ends", required: true, min: isoDay(), value: isoDay(7) });
	const standIn = select("stand_in_account_id", [["", t("choose")], ...others.map((p) => [p.id, p.display_name])], "", { required: true, id: "absence-stand-in" });
	const redraw = async () => fill(section, ...(await absenceSection()).childNodes);
	const form = h(
		"form",
		{
			id: "absence-form",
			class: "grid-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.post("/v1/me/absences", { starts_on: starts.value, ends_on: ends.value, stand_in_account_id: standIn.value });
					announce(t("absence_saved"));
					await redraw();
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("absence_starts"), starts),
		field(t("absence_ends"), ends),
		field(t("absence_stand_in"), standIn, t("absence_stand_in_hint")),
		h("div", { class: "form-error span-all", role: "alert" }),
		h("div", { class: "actions span-all" }, h("button", { class: "btn btn-primary", type: "submit" }, t("absence_add"))),
	);
	fill(section,
		h("h2", { id: "absence-h" }, t("absence_title")),
		h("p", { class: "lead" }, t("absence_intro")),
		items.length
			? table(
				[
					[t("absence_period"), (a) => `${fmtDate(a.starts_on)} – ${fmtDate(a.ends_on)}`],
					[t("absence_stand_in"), (a) => a.stand_in.display_name],
					[t("col_status"), (a) => (a.current ? badge(t("absence_current"), "warn") : t("absence_planned"))],
					[
						"",
						(a) =>
							h("button", {
								class: "btn btn-small btn-danger-quiet",
								type: "button",
								dataset: { delete: a.id },
								onclick: async () => {
									await api.request("DELETE", `/v1/me/absences/${a.id}`);
									announce(t("absence_deleted"));
									await redraw();
								},
							}, t("absence_delete")),
					],
				],
				items,
				{ rowAttrs: (a) => ({ dataset: { id: a.id } }) },
			)
			: h("p", { class: "empty" }, t("absence_none")),
		form,
	);
	return section;
}
