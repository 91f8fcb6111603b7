// The form that sends a referral from a case: to a suggested provider of a chain step, to
// any other active member of the case's network (with the service it offers), as a redirect
// after a decline, or as a case transfer (Fallübergabe). The case's own node is never
// offered (nobody refers to itself); members no active consent covers are shown but cannot
// be chosen, with the reason beside them.
import * as api from "../api.js";
import { h, field, isoDay } from "../dom.js";
import { t, label } from "../i18n.js";
import { announce, session } from "../main.js";
import { showProblem } from "../problems.js";

let formSeq = 0;

// Whether an active consent of the case covers node (the rule of consent_covers in SQL).
export function covered(consents, nodeId, memberIds) {
	return consents.some((k) => k.active && (k.scope === "network" ? memberIds.has(nodeId) : k.recipient_node_id === nodeId));
}

// The services of a network's active members, by node id.
async function servicesByNode(networkId) {
	const items = await api.all(`/v1/services${api.qs({ network_id: networkId })}`, 2000);
	const map = new Map();
	for (const s of items) {
		if (!map.has(s.node_id)) map.set(s.node_id, []);
		map.get(s.node_id).push(s);
	}
	return map;
}

function placesText(s) {
	if (s.capacity_free === null || s.capacity_free === undefined) return "";
	return s.capacity_free > 0 ? t("free_places", { n: s.capacity_free }) : t("no_free_places");
}

// A service as one line: its name, free places and waiting time.
function serviceLine(s, categories) {
	return [s.name, categories.get(s.category), placesText(s), s.wait_days ? t("wait_days", { n: s.wait_days }) : ""].filter(Boolean).join(" · ");
}

/*
 * The referral form. opts: c (the case), consents, step ({key, name, category,
 * suggestions} or null), to (a node to choose first), redirectedFrom (the declined
 * referral), kind ("service" or "transfer"), url (where to post instead of /v1/referrals:
 * a conference decision's referrals), onDone(referral), onCancel(). Returns the form.
 */
export async function referForm(opts) {
	const { c, consents, step = null, redirectedFrom = null, kind = "service" } = opts;
	const [members, services, taxonomy, bases] = await Promise.all([
		api.activeMembers(c.network_id),
		kind === "transfer" ? Promise.resolve(new Map()) : servicesByNode(c.network_id),
		api.get("/v1/taxonomy"),
		api.get("/v1/legal-bases"),
	]);
	const categories = new Map((taxonomy.items || taxonomy).map((x) => [x.code, label(x)]));
	const nodes = await api.nodes();
	const me = session.me.node_id;
	const memberIds = new Set(members.map((m) => m.node_id));
	const candidates = members.filter((m) => m.node_id !== me && (nodes.get(m.node_id) || { active: true }).active !== false);
	const suggested = step ? (step.suggestions || []).filter((p) => p.node_id !== me) : [];
	const suggestedIds = new Set(suggested.map((p) => p.node_id));
	const id = `refer-${++formSeq}`;

	const option = (nodeId, text) => {
		const ok = covered(consents, nodeId, memberIds);
		return h("option", { value: nodeId, disabled: !ok, dataset: { covered: String(ok), text } }, ok ? text : `${text} – ${t("refer_no_consent")}`);
	};
	// The legal basis the data goes on: the client's consent, or a statutory transmission
	// (never for a case of a youth welfare office: § 65 SGB VIII; the server refuses it too).
	const youthWelfare = (nodes.get(c.owner_node_id) || {}).kind === "youth_welfare_office";
	const statutory = youthWelfare ? [] : (bases.items || []).filter((b) => b.kind === "statutory");
	const basis = h(
		"select",
		{ name: "legal_basis", id: `${id}-basis` },
		h("option", { value: "" }, t("refer_basis_consent")),
		statutory.map((b) => h("option", { value: b.code }, label(b))),
	);
	const byName = (a, b) => api.nodeName(a.node_id).localeCompare(api.nodeName(b.node_id));
	const others = candidates.filter((m) => !suggestedIds.has(m.node_id)).sort(byName);
	const to = h(
		"select",
		{ name: "to_node_id", id: `${id}-to`, required: true },
		h("option", { value: "" }, t("refer_choose")),
		suggested.length
			? h("optgroup", { label: t("refer_group_suggested") }, [...new Map(suggested.map((p) => [p.node_id, p])).values()].map((p) => option(p.node_id, `${p.node_name}${p.district ? ` (${p.district})` : ""}`)))
			: null,
		h(
			"optgroup",
			{ label: t(suggested.length ? "refer_group_others" : "refer_group_members") },
			others.map((m) => option(m.node_id, `${m.node.name}${m.node.district ? ` (${m.node.district})` : ""}`)),
		),
	);
	const service = h("select", { name: "service_id", id: `${id}-service` });
	const serviceField = field(t("refer_service"), service);
	const serviceInfo = h("p", { class: "hint", id: `${id}-service-info`, "aria-live": "polite" });
	const fillServices = () => {
		const list = (services.get(to.value) || []).slice();
		// The step's category first: that is what the step asks for.
		if (step) list.sort((a, b) => (b.category === step.category) - (a.category === step.category));
		const pick = suggested.find((p) => p.node_id === to.value);
		service.replaceChildren(
			h("option", { value: "" }, t("refer_no_service")),
			...list.map((s) => h("option", { value: s.id, selected: pick ? s.id === pick.service_id : false }, serviceLine(s, categories))),
		);
		if (!pick && step && list.length && list[0].category === step.category) service.value = list[0].id;
		serviceField.hidden = kind === "transfer" || !to.value || !list.length;
		serviceInfo.textContent = to.value && !list.length && kind !== "transfer" ? t("refer_node_no_services") : "";
	};
	// On a statutory basis no consent is needed: every member may be chosen.
	basis.addEventListener("change", () => {
		for (const o of to.querySelectorAll("option[data-covered=false]")) {
			o.disabled = !basis.value;
			o.textContent = basis.value ? o.dataset.text : `${o.dataset.text} – ${t("refer_no_consent")}`;
		}
		if (!basis.value && to.selectedOptions[0]?.disabled) to.value = "";
	});
	// "Kontingent erschöpft" before sending: the contract of today of the chosen service.
	const contractInfo = h("p", { class: "hint", id: `${id}-contract`, "aria-live": "polite" });
	const showContract = async () => {
		contractInfo.textContent = "";
		delete contractInfo.dataset.exhausted;
		contractInfo.className = "hint";
		if (!service.value || serviceField.hidden) return;
		const day = isoDay(); // the user's today, not UTC's
		let items;
		try {
			items = (await api.get(`/v1/services/${service.value}/contracts`)).items || [];
		} catch {
			return;
		}
		const now = items.filter((k) => k.network_id === c.network_id && k.period_start <= day && day <= k.period_end);
		if (!now.length) return;
		const k = now.find((x) => x.exhausted) || now[0];
		contractInfo.dataset.exhausted = String(k.exhausted);
		if (k.exhausted) {
			contractInfo.className = "notice notice-warn";
			contractInfo.textContent = t(k.limit === "hard" ? "refer_contract_exhausted_hard" : "refer_contract_exhausted_soft", { places: k.places });
		} else {
			contractInfo.textContent = t("refer_contract_free", { free: k.places_free, places: k.places });
		}
	};
	service.addEventListener("change", showContract);
	to.addEventListener("change", fillServices);
	to.addEventListener("change", showContract);
	if (opts.to && [...to.options].some((o) => o.value === opts.to && !o.disabled)) to.value = opts.to;
	fillServices();
	showContract();

	const reason = h("input", { name: "reason", id: `${id}-reason`, maxlength: 200, value: step ? step.name : "" });
	const note = h("textarea", { name: "note", id: `${id}-note`, rows: 3, maxlength: 2000 });
	const urgent = h("input", { type: "checkbox", name: "priority", id: `${id}-urgent` });
	const submit = h("button", { class: "btn btn-primary", type: "submit" }, t(kind === "transfer" ? "transfer_submit" : "refer_submit"));
	const idempotencyKey = api.newIdempotencyKey();
	const form = h(
		"form",
		{
			class: `refer-form${kind === "transfer" ? " transfer-form" : ""}`,
			id,
			dataset: { kind, step: step ? step.key : "" },
			onsubmit: async (e) => {
				e.preventDefault();
				const body = { case_id: c.id, to_node_id: to.value };
				if (kind === "transfer") body.kind = "transfer";
				if (step) body.chain_step_key = step.key;
				if (service.value && !serviceField.hidden) body.service_id = service.value;
				if (reason.value.trim()) body.reason = reason.value.trim();
				if (note.value.trim()) body.note = note.value.trim();
				if (urgent.checked) body.priority = "urgent";
				if (redirectedFrom) body.redirected_from = redirectedFrom;
				if (basis.value) body.legal_basis = basis.value;
				submit.disabled = true;
				try {
					// From a conference's decision: the decision's own route, which knows the case.
					if (opts.url) delete body.case_id;
					const r = await api.post(opts.url || "/v1/referrals", body, { idempotencyKey });
					announce(t(kind === "transfer" ? "transfer_done" : "refer_done", { name: api.nodeName(r.to_node_id) }));
					if ((r.warnings || []).some((w) => w.type === "contract-exhausted")) announce(t("refer_contract_warning"), "warn");
					opts.onDone(r);
				} catch (err) {
					submit.disabled = false;
					showProblem(form, err, { to_node_id: t("refer_to"), service_id: t("refer_service") });
				}
			},
		},
		h("h4", {}, t(kind === "transfer" ? "transfer_title" : redirectedFrom ? "redirect_title" : step ? "refer_step_title" : "refer_free_title", { step: step ? step.name : "" })),
		kind === "transfer" ? h("p", { class: "notice notice-warn" }, t("transfer_explain")) : null,
		field(t("refer_to"), to, candidates.some((m) => !covered(consents, m.node_id, memberIds)) ? t("refer_to_hint") : null),
		serviceField,
		serviceInfo,
		contractInfo,
		kind === "transfer" ? null : field(t("refer_basis"), basis, t(youthWelfare ? "refer_basis_hint_youth" : "refer_basis_hint")),
		field(t(kind === "transfer" ? "transfer_reason" : "refer_reason"), reason),
		field(t("refer_note"), note, t("refer_note_hint")),
		h("div", { class: "field field-check" }, urgent, h("label", { for: urgent.id }, t("refer_priority"))),
		h("div", { class: "form-error", role: "alert" }),
		h(
			"div",
			{ class: "actions" },
			submit,
			opts.onCancel ? h("button", { class: "btn", type: "button", onclick: opts.onCancel }, t("cancel")) : null,
		),
	);
	return form;
}
