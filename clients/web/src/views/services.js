// The node's own services (Angebote): keeping free places, waiting time, status and
// consultation hours current, changing what a service is and who pays for it (a funding
// source of the node's networks), and adding a new one. Only the
// node's caseworkers write its services (PATCH /v1/services/{id}, POST
// /v1/nodes/{id}/services); everyone reads them in the directory.
import * as api from "../api.js";
import { h, fill, field, select, badge } from "../dom.js";
import { t, label } from "../i18n.js";
import { announce, session } from "../main.js";
import { showProblem } from "../problems.js";

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

// A number input's value as an integer, null when empty.
function intOrNull(el) {
	return el.value === "" ? null : Number(el.value);
}

function text(value) {
	return value === "" ? null : value;
}

// A value as text that does not depend on the order of keys or of a list's plain items, to
// tell whether a field changed.
function canon(v) {
	if (Array.isArray(v)) {
		const items = v.map(canon);
		return `[${v.every((x) => typeof x !== "object") ? items.sort().join(",") : items.join(",")}]`;
	}
	if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${k}:${canon(v[k])}`).join(",")}}`;
	return JSON.stringify(v ?? null);
}

// The rows of consultation hours, editable: weekday, from, to, place, kind.
function scheduleEditor(prefix, schedule) {
	const rows = h("ol", { class: "schedule-rows" });
	const add = (entry = {}) => {
		const i = rows.children.length;
		const n = (f) => `schedule[${i}].${f}`;
		const li = h(
			"li",
			{ class: "schedule-row" },
			field(t("sched_weekday"), select(n("weekday"), WEEKDAYS.map((d) => [String(d), t(`wd_${d}`)]), String(entry.weekday || 1), { id: `${prefix}-wd-${i}` })),
			field(t("sched_from"), h("input", { type: "time", name: n("from"), id: `${prefix}-from-${i}`, value: entry.from || "09:00", required: true })),
			field(t("sched_to"), h("input", { type: "time", name: n("to"), id: `${prefix}-to-${i}`, value: entry.to || "12:00", required: true })),
			field(t("sched_kind"), select(n("kind"), api.vocab.schedule_kinds.map((k) => [k, t(`sched_kind_${k}`)]), entry.kind || "opening", { id: `${prefix}-kind-${i}` })),
			field(t("sched_place"), h("input", { name: n("place"), id: `${prefix}-place-${i}`, maxlength: 200, value: entry.place || "" })),
			h("button", { type: "button", class: "btn btn-small btn-danger-quiet", onclick: () => li.remove() }, t("sched_remove")),
		);
		rows.append(li);
	};
	for (const entry of schedule || []) add(entry);
	const read = () =>
		[...rows.children].map((li) => {
			const get = (f) => li.querySelector(`[name$=".${f}"]`).value;
			const entry = { weekday: Number(get("weekday")), from: get("from"), to: get("to"), kind: get("kind") };
			if (get("place").trim()) entry.place = get("place").trim();
			return entry;
		});
	return {
		el: h(
			"fieldset",
			{ class: "schedule" },
			h("legend", {}, t("sched_title")),
			rows,
			h("button", { type: "button", class: "btn btn-small", onclick: () => add() }, t("sched_add")),
		),
		read,
	};
}

// Name the rows by their current position again (after a removal), so that problems find them.
function renumber(form) {
	[...form.querySelectorAll(".schedule-row")].forEach((li, i) => {
		for (const el of li.querySelectorAll("[name^='schedule[']")) el.name = el.name.replace(/^schedule\[\d+\]/, `schedule[${i}]`);
	});
}

// The form of one service (s), or of a new one (s null).
// The funding sources a service may name: the active ones of the node's networks, and the one
// it names now even when no longer active (so that the form shows it as it is).
function fundingOptions(sources, current) {
	const shown = sources.filter((f) => f.active || f.id === current);
	return [["", t("svc_funding_none")], ...shown.map((f) => [f.id, f.name])];
}

function serviceForm(s, categories, groups, sources, reload) {
	const prefix = s ? `svc-${s.id.slice(0, 8)}` : "svc-new";
	const num = (name, value, max) => h("input", { type: "number", name, id: `${prefix}-${name}`, min: 0, max, step: 1, inputmode: "numeric", value: value ?? "" });
	const free = num("capacity_free", s?.capacity_free, 1000000);
	const total = num("capacity_total", s?.capacity_total, 1000000);
	const wait = num("wait_days", s?.wait_days, 3650);
	const status = select("status", api.vocab.service_statuses.map((x) => [x, t(`svc_status_${x}`)]), s?.status || "active", { id: `${prefix}-status` });
	const name = h("input", { name: "name", id: `${prefix}-name`, required: true, maxlength: 200, value: s?.name || "" });
	const category = select("category", [["", t("choose")], ...categories.map((c) => [c.code, label(c)])], s?.category || "", { id: `${prefix}-category`, required: true });
	const description = h("textarea", { name: "description", id: `${prefix}-description`, rows: 3, maxlength: 4000 }, s?.description || "");
	const eligibility = h("textarea", { name: "eligibility", id: `${prefix}-eligibility`, rows: 2, maxlength: 2000 }, s?.eligibility || "");
	const district = h("input", { name: "district", id: `${prefix}-district`, maxlength: 100, value: s?.district || "" });
	const place = h("input", { name: "place", id: `${prefix}-place`, maxlength: 300, value: s?.place || "" });
	const funding = select("funding_source_id", fundingOptions(sources, s?.funding_source_id), s?.funding_source_id || "", { id: `${prefix}-funding` });
	const chosen = new Set(s?.target_group_ids || []);
	const groupBoxes = [...groups.values()].map((g) => {
		const box = h("input", { type: "checkbox", name: "target_group_ids", value: g.id, id: `${prefix}-tg-${g.id.slice(-12)}`, checked: chosen.has(g.id) });
		return h("div", { class: "field field-check" }, box, h("label", { for: box.id }, g.name));
	});
	const schedule = scheduleEditor(prefix, s?.schedule);
	const submit = h("button", { class: "btn btn-primary", type: "submit" }, t(s ? "save" : "svc_create"));

	const values = () => ({
		capacity_free: intOrNull(free),
		capacity_total: intOrNull(total),
		wait_days: intOrNull(wait),
		status: status.value,
		name: name.value.trim(),
		category: category.value,
		description: text(description.value.trim()),
		eligibility: text(eligibility.value.trim()),
		district: text(district.value.trim()),
		place: text(place.value.trim()),
		funding_source_id: funding.value || null,
		target_group_ids: groupBoxes.map((d) => d.querySelector("input")).filter((b) => b.checked).map((b) => b.value),
		schedule: schedule.read(),
	});
	const form = h(
		"form",
		{
			class: "service-form",
			id: s ? `service-${s.id}` : "service-new",
			onsubmit: async (e) => {
				e.preventDefault();
				renumber(form);
				const v = values();
				let body = v;
				if (s) {
					// Only what changed: a PATCH names the fields it changes.
					body = {};
					for (const [k, value] of Object.entries(v)) {
						const before = s[k] ?? null;
						if (canon(before) !== canon(value)) body[k] = value;
					}
					if (!Object.keys(body).length) return announce(t("svc_unchanged"), "info");
				} else {
					for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
				}
				submit.disabled = true;
				try {
					if (s) await api.patch(`/v1/services/${s.id}`, body, { ifMatch: s.version });
					else await api.post(`/v1/nodes/${session.me.node_id}/services`, body);
					announce(t(s ? "svc_saved" : "svc_created", { name: v.name }));
					await reload(s ? `#svc-h-${s.id}` : "h1");
				} catch (err) {
					submit.disabled = false;
					showProblem(form, err);
				}
			},
		},
		h(
			"div",
			{ class: "grid-form" },
			field(t("svc_free"), free, t("svc_free_hint")),
			field(t("svc_total"), total),
			field(t("svc_wait"), wait, t("svc_wait_hint")),
			field(t("svc_status"), status),
		),
		schedule.el,
		h(
			"details",
			{ class: "disclosure", open: !s },
			h("summary", {}, t("svc_more")),
			h(
				"div",
				{ class: "grid-form" },
				field(t("svc_name"), name),
				field(t("svc_category"), category),
				field(t("svc_district"), district, t("svc_district_hint")),
				field(t("svc_place"), place),
				field(t("svc_funding"), funding, t("svc_funding_hint")),
			),
			field(t("svc_description"), description),
			field(t("svc_eligibility"), eligibility),
			h("fieldset", { class: "target-groups" }, h("legend", {}, t("svc_target_groups")), groupBoxes.length ? groupBoxes : h("p", { class: "muted" }, "–"), h("p", { class: "hint" }, t("svc_target_groups_hint"))),
		),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, submit),
	);
	return form;
}

function placesBadge(s) {
	if (s.capacity_free === null || s.capacity_free === undefined) return null;
	return badge(s.capacity_free > 0 ? t("free_places", { n: s.capacity_free }) : t("no_free_places"), s.capacity_free > 0 ? "ok" : "warn");
}

export async function servicesView(main) {
	const node = session.me.node_id;
	const [taxonomy, networkIds] = await Promise.all([api.get("/v1/taxonomy"), api.memberNetworks(node)]);
	const categories = (taxonomy.items || taxonomy).slice().sort((a, b) => label(a).localeCompare(label(b)));
	const catLabel = new Map(categories.map((c) => [c.code, label(c)]));
	const groups = await api.targetGroups(networkIds);
	// Every network's list, by name (a node in two networks chooses from both).
	const sources = (await Promise.all(networkIds.map((id) => api.get(`/v1/networks/${id}/funding-sources`).then((b) => b.items))))
		.flat()
		.sort((a, b) => a.name.localeCompare(b.name));

	async function load(focus) {
		const services = await api.all(`/v1/nodes/${node}/services`);
		fill(main,
			h("div", { class: "page-head" }, h("div", {}, h("h1", { tabindex: "-1" }, t("svc_title")), h("p", { class: "lead" }, t("svc_intro", { name: api.nodeName(node) })))),
			services.length ? null : h("p", { class: "empty" }, t("svc_none")),
			services.map((s) =>
				h(
					"section",
					{ class: "card service-card", id: `service-card-${s.id}`, dataset: { id: s.id }, "aria-labelledby": `svc-h-${s.id}` },
					h(
						"div",
						{ class: "service-head" },
						h("h2", { id: `svc-h-${s.id}`, tabindex: "-1" }, s.name),
						h("span", { class: "muted" }, catLabel.get(s.category) || s.category),
						badge(t(`svc_status_${s.status}`), s.status === "active" ? "ok" : "muted"),
						placesBadge(s),
					),
					serviceForm(s, categories, groups, sources, load),
				),
			),
			h("section", { class: "card", "aria-labelledby": "svc-new-h" }, h("details", { class: "disclosure-plain" }, h("summary", { id: "svc-new-h" }, t("svc_new")), serviceForm(null, categories, groups, sources, load))),
		);
		const target = focus && main.querySelector(focus);
		if (target) target.focus();
	}
	await Promise.all([api.nodes(), api.vocabulary()]);
	await load();
	return {};
}
