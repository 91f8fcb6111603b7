// Case conferences (Fallkonferenzen): on the owner's case page, plan one (when, where or by
// video, on which chain step, with which members, about what), change, hold or cancel it,
// record its decisions and make a referral from a decision ("Vermittlung aus Beschluss");
// and, for every node, its conferences and one conference as it may
// see it: an invited node sees the agenda and the decisions' text only while a consent of
// the client covers it (the server leaves the text out and says so).
import * as api from "../api.js";
import { h, clear, fill, field, badge, fmtDate, fromLocal, table } from "../dom.js";
import { t } from "../i18n.js";
import { announce, session } from "../main.js";
import { showProblem } from "../problems.js";
import { referForm } from "./refer.js";
import { statusBadge as referralBadge } from "./referrals.js";

const STATUS_BADGE = { planned: "info", held: "done", cancelled: "muted" };

function statusBadge(f) {
	return badge(t(`conf_status_${f.status}`), STATUS_BADGE[f.status] || "muted");
}

// An RFC 3339 time as a datetime-local value in the browser's zone.
function toLocal(iso) {
	if (!iso) return "";
	const d = new Date(iso);
	const pad = (n) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function whereText(f) {
	return [f.place, f.video_url ? t("conf_video") : null].filter(Boolean).join(" · ");
}

function participantsText(f) {
	return f.participants.map((p) => api.nodeName(p.node_id)).join(", ");
}

// The plan form, for a new conference (f null) or to change one. steps: the case's chain
// steps ({key, name}) or [].
async function planForm(c, f, steps, onDone, onCancel) {
	const members = (await api.activeMembers(c.network_id)).filter((m) => m.node_id !== session.me.node_id);
	members.sort((a, b) => api.nodeName(a.node_id).localeCompare(api.nodeName(b.node_id)));
	const prefix = f ? `conf-edit-${f.id.slice(0, 8)}` : "conf-new";
	const invited = new Set(f ? f.participants.map((p) => p.node_id) : []);
	const starts = h("input", { type: "datetime-local", name: "starts_at", id: `${prefix}-starts`, required: true, value: toLocal(f?.starts_at) });
	const ends = h("input", { type: "datetime-local", name: "ends_at", id: `${prefix}-ends`, value: toLocal(f?.ends_at) });
	const place = h("input", { name: "place", id: `${prefix}-place`, maxlength: 200, value: f?.place || "" });
	const video = h("input", { type: "url", name: "video_url", id: `${prefix}-video`, maxlength: 2000, placeholder: "https://", value: f?.video_url || "" });
	const step = h(
		"select",
		{ name: "chain_step_key", id: `${prefix}-step` },
		h("option", { value: "" }, t("conf_no_step")),
		steps.map((s) => h("option", { value: s.key, selected: f?.chain_step_key === s.key }, s.name)),
	);
	const agenda = h("textarea", { name: "agenda", id: `${prefix}-agenda`, rows: 4, maxlength: 4000 }, f?.agenda || "");
	const boxes = members.map((m) =>
		h("input", { type: "checkbox", name: "participant", value: m.node_id, id: `${prefix}-p-${m.node_id}`, checked: invited.has(m.node_id) }),
	);
	const form = h(
		"form",
		{
			class: "move-form conference-form",
			id: f ? `${prefix}-form` : "conf-new-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const body = {
					starts_at: fromLocal(starts.value),
					ends_at: fromLocal(ends.value),
					place: place.value.trim() || null,
					video_url: video.value.trim() || null,
					agenda: agenda.value.trim() || null,
					chain_step_key: step.value || null,
					participant_node_ids: boxes.filter((b) => b.checked).map((b) => b.value),
				};
				// A change sends what changed only: each change tells every participant.
				if (f) {
					const time = (v) => (v ? new Date(v).getTime() : null);
					const same = (k) => {
						if (k === "participant_node_ids") return [...body[k]].sort().join() === [...invited].sort().join();
						if (k.endsWith("_at")) return time(body[k]) === time(f[k]);
						return (body[k] ?? null) === (f[k] ?? null);
					};
					for (const k of Object.keys(body)) if (same(k)) delete body[k];
					if (!Object.keys(body).length) return onCancel();
				}
				try {
					if (f) await api.patch(`/v1/conferences/${f.id}`, body, { ifMatch: f.version });
					else await api.post(`/v1/cases/${c.id}/conferences`, body);
					announce(t(f ? "conf_changed" : "conf_planned"));
					await onDone();
				} catch (err) {
					showProblem(form, err, { starts_at: t("conf_starts"), ends_at: t("conf_ends"), place: t("conf_place"), video_url: t("conf_video_url"), participant_node_ids: t("conf_participants") });
				}
			},
		},
		h("h3", {}, t(f ? "conf_edit" : "conf_new")),
		field(t("conf_starts"), starts),
		field(t("conf_ends"), ends),
		field(t("conf_place"), place, t("conf_place_hint")),
		field(t("conf_video_url"), video, t("conf_video_hint")),
		steps.length ? field(t("conf_step"), step) : null,
		h(
			"fieldset",
			{ class: "participants", id: `${prefix}-participants` },
			h("legend", {}, t("conf_participants")),
			h("p", { class: "hint" }, t("conf_participants_hint")),
			h("div", { class: "participant-checks" }, members.map((m, i) => h("div", { class: "field field-check" }, boxes[i], h("label", { for: boxes[i].id }, api.nodeName(m.node_id))))),
		),
		field(t("conf_agenda"), agenda, t("conf_agenda_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t(f ? "save" : "conf_plan_submit")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

function decisionForm(f, onDone, onCancel) {
	const text = h("textarea", { name: "text", id: `conf-${f.id.slice(0, 8)}-decision`, rows: 3, maxlength: 4000, required: true });
	const form = h(
		"form",
		{
			class: "move-form decision-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.post(`/v1/conferences/${f.id}/decisions`, { text: text.value.trim() });
					announce(t("conf_decision_saved"));
					await onDone();
				} catch (err) {
					showProblem(form, err, { text: t("conf_decision") });
				}
			},
		},
		field(t("conf_decision"), text, t("conf_decision_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("conf_decision_submit")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

// One decision: its text (or that it is withheld), the referrals made from it and, for the
// owner of an open case, "Vermittlung aus Beschluss".
function decisionItem(f, d, ctx) {
	const slot = h("div", { class: "form-slot" });
	const referrals = d.referrals.length
		? h(
			"ul",
			{ class: "decision-referrals" },
			d.referrals.map((r) => h("li", {}, h("a", { href: `/referrals/${r.id}`, "data-link": true }, t("conf_referral_to", { name: api.nodeName(r.to_node_id) })), " ", referralBadge(r.status, f.access === "owner" ? "sender" : "receiver"))),
		)
		: null;
	let refer = null;
	if (ctx && f.status !== "cancelled") {
		refer = h("button", { class: "btn btn-small", type: "button", dataset: { decision: d.id } }, t("conf_refer"));
		refer.addEventListener("click", async () => {
			const step = f.chain_step_key ? ctx.steps.find((s) => s.key === f.chain_step_key) || null : null;
			const form = await referForm({
				c: ctx.c,
				consents: ctx.consents,
				step,
				url: `/v1/conferences/${f.id}/decisions/${d.id}/referrals`,
				onDone: () => ctx.reload(),
				onCancel: () => {
					clear(slot);
					refer.hidden = false;
					refer.focus();
				},
			});
			refer.hidden = true;
			fill(slot, form);
			form.querySelector("select")?.focus();
		});
	}
	return h(
		"li",
		{ class: "decision", dataset: { id: d.id } },
		d.text_withheld ? h("p", { class: "muted decision-withheld" }, t("conf_decision_withheld")) : h("p", { class: "decision-text" }, d.text),
		h("p", { class: "muted" }, fmtDate(d.created_at, true)),
		referrals,
		refer,
		slot,
	);
}

// One conference as a card. ctx (the owner's case page only): { c, consents, steps, reload }.
export function conferenceCard(f, ctx) {
	const slot = h("div", { class: "form-slot" });
	const owner = f.access === "owner" && ctx && ctx.c.status === "open";
	const show = (make) => async () => {
		const form = await make(() => clear(slot));
		fill(slot, form);
		form.querySelector("input, select, textarea")?.focus();
	};
	const change = async (body, message) => {
		try {
			await api.patch(`/v1/conferences/${f.id}`, body, { ifMatch: f.version });
			announce(t(message));
			await ctx.reload();
		} catch (err) {
			fill(slot, h("div", { class: "form-error", role: "alert" }));
			showProblem(slot, err);
		}
	};
	const tools = [];
	if (owner && f.status !== "cancelled") {
		tools.push(h("button", { class: "btn btn-small conf-decide", type: "button", onclick: show((close) => decisionForm(f, ctx.reload, close)) }, t("conf_decide")));
	}
	if (owner && f.status === "planned") {
		tools.push(
			h("button", { class: "btn btn-small conf-edit", type: "button", onclick: show((close) => planForm(ctx.c, f, ctx.steps, ctx.reload, close)) }, t("conf_edit")),
			h("button", { class: "btn btn-small conf-held", type: "button", onclick: () => change({ status: "held" }, "conf_held_done") }, t("conf_mark_held")),
			h(
				"button",
				{
					class: "btn btn-small btn-danger-quiet conf-cancel",
					type: "button",
					onclick: () => {
						if (confirm(t("conf_cancel_confirm"))) change({ status: "cancelled" }, "conf_cancelled_done");
					},
				},
				t("conf_cancel"),
			),
		);
	}
	const link = f.video_url ? h("a", { href: f.video_url, rel: "noopener noreferrer", target: "_blank", class: "conf-video" }, t("conf_video_open")) : null;
	return h(
		"article",
		{ class: "conference card", id: `conf-${f.id}`, dataset: { id: f.id, status: f.status } },
		h("h3", {}, h("a", { href: `/conferences/${f.id}`, "data-link": true }, t("conf_on", { at: fmtDate(f.starts_at, true) })), " ", statusBadge(f)),
		h(
			"dl",
			{ class: "facts" },
			h("dt", {}, t("conf_where")),
			h("dd", { class: "conf-where" }, whereText(f) || "–", link ? " " : null, link),
			f.chain_step_name ? [h("dt", {}, t("conf_step")), h("dd", {}, f.chain_step_name)] : null,
			h("dt", {}, t("conf_participants")),
			h("dd", { class: "conf-participants" }, [api.nodeName(f.owner_node_id), participantsText(f)].filter(Boolean).join(", ")),
			h("dt", {}, t("conf_agenda")),
			h("dd", { class: "conf-agenda" }, f.agenda_withheld ? h("span", { class: "muted" }, t("conf_agenda_withheld")) : f.agenda || "–"),
		),
		h("h4", {}, t("conf_decisions")),
		f.decisions.length ? h("ol", { class: "decisions" }, f.decisions.map((d) => decisionItem(f, d, owner ? ctx : null))) : h("p", { class: "empty" }, t("conf_no_decisions")),
		tools.length ? h("div", { class: "actions" }, tools) : null,
		slot,
	);
}

// The owner's case page: the case's conferences and the button to plan one.
export async function conferenceSection(c, consents, progress, reload) {
	const items = await api.all(`/v1/conferences${api.qs({ case_id: c.id })}`);
	const steps = progress ? progress.steps.map((s) => ({ ...s })) : [];
	const ctx = { c, consents, steps, reload: () => reload("#conf-h") };
	const slot = h("div", { class: "form-slot" });
	const plan =
		c.status === "open"
			? h("button", { class: "btn", type: "button", id: "conf-plan" }, t("conf_new"))
			: null;
	plan?.addEventListener("click", async () => {
		const form = await planForm(c, null, steps, ctx.reload, () => {
			clear(slot);
			plan.hidden = false;
			plan.focus();
		});
		plan.hidden = true;
		fill(slot, form);
		form.querySelector("input")?.focus();
	});
	return h(
		"section",
		{ class: "card", id: "case-conferences", "aria-labelledby": "conf-h" },
		h("h2", { id: "conf-h", tabindex: "-1" }, t("conf_title")),
		h("p", { class: "muted" }, t("conf_explain")),
		items.length ? h("div", { class: "conference-list" }, items.map((f) => conferenceCard(f, ctx))) : h("p", { class: "empty" }, t("conf_none")),
		plan,
		slot,
	);
}

// What closing the case does to its planned conferences (the server cancels those yet to
// come and refuses the close while one has begun unrecorded): said before the case manager
// confirms. Null when there is none.
export async function closingConferencesNotice(c) {
	const planned = await api.all(`/v1/conferences?case_id=${c.id}&status=planned`);
	if (!planned.length) return null;
	const now = Date.now();
	return h(
		"div",
		{ class: "notice", id: "close-conferences" },
		h("p", {}, t("conf_close_cancels", { n: planned.length })),
		h(
			"ul",
			{},
			planned.map((f) =>
				h(
					"li",
					{ dataset: { conference: f.id } },
					h("a", { href: `/conferences/${f.id}`, "data-link": true }, fmtDate(f.starts_at, true)),
					Date.parse(f.starts_at) <= now ? ` – ${t("conf_close_begun")}` : "",
				),
			),
		),
	);
}

// Every conference of the node: of its cases and those it is invited to.
export async function conferencesView(main) {
	await api.nodes();
	const items = await api.all("/v1/conferences");
	fill(
		main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", { tabindex: "-1" }, t("conf_list_title")), h("p", { class: "lead" }, t("conf_list_intro")))),
		h(
			"section",
			{ class: "card card-flush" },
			items.length
				? table(
					[
						[t("conf_when"), (f) => h("a", { href: `/conferences/${f.id}`, "data-link": true, class: "row-link" }, fmtDate(f.starts_at, true))],
						[t("conf_case"), (f) => f.case.reference || t("conf_case_withheld")],
						[t("conf_by"), (f) => (f.access === "owner" ? t("conf_by_us") : api.nodeName(f.owner_node_id))],
						[t("conf_where"), (f) => whereText(f) || "–"],
						[t("col_status"), (f) => statusBadge(f)],
					],
					items,
					{ rowAttrs: (f) => ({ dataset: { id: f.id, status: f.status } }) },
				)
				: h("p", { class: "empty" }, t("conf_list_empty")),
		),
	);
	return { onLive: (type) => (type.startsWith("conference.") ? conferencesView(main) : null) };
}

// One conference as the node may see it; the owner works on it from the case's page.
export async function conferenceView(main, id) {
	await api.nodes();
	const f = await api.get(`/v1/conferences/${id}`);
	fill(
		main,
		h("p", { class: "crumbs" }, h("a", { href: "/conferences", "data-link": true }, "← ", t("nav_conferences"))),
		h(
			"div",
			{ class: "page-head" },
			h(
				"div",
				{},
				h("h1", { tabindex: "-1" }, f.case.reference ? t("conf_title_case", { ref: f.case.reference }) : t("conf_title_plain")),
				f.access === "owner" ? h("p", { class: "lead" }, h("a", { href: `/cases/${f.case_id}`, "data-link": true, id: "conf-case-link" }, t("conf_to_case"))) : null,
			),
		),
		f.access === "participant" && f.agenda_withheld ? h("p", { class: "notice", id: "conf-withheld" }, t("conf_withheld_explain")) : null,
		conferenceCard(f, null),
	);
	return { onLive: (type, data) => (data.conference_id === id ? conferenceView(main, id) : null) };
}
