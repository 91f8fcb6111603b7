// Case management: the caseworker's cases, and one case with consent, enrolment, its chain
// as a diagram, next steps with suggested providers, referring, and its referrals.
import * as api from "../api.js";
import { h, clear, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, navigate, session } from "../main.js";
import { drawChain } from "../graph.js";
import { statusCell } from "./referrals.js";

// Target groups of the networks the caller can see, by id.
async function targetGroups() {
	const networks = await api.all("/v1/networks");
	const lists = await Promise.all(networks.map((n) => api.all(`/v1/networks/${n.id}/target-groups`)));
	return new Map(lists.flat().map((g) => [g.id, g]));
}

function showErrors(form, e) {
	const box = form.querySelector(".form-error");
	const fields = e.fields || {};
	for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
	for (const name of Object.keys(fields)) form.querySelector(`[name="${name}"]`)?.setAttribute("aria-invalid", "true");
	const list = Object.entries(fields).map(([f, m]) => `${f}: ${m}`);
	box.textContent = list.length ? list.join(" · ") : errorText(e);
}

export async function casesView(main) {
	const groups = await targetGroups();
	const cases = await api.all("/v1/cases");
	const reference = h("input", { name: "reference", required: true, maxlength: 64, pattern: "[A-Za-z0-9._\\/\\-]+", autocomplete: "off" });
	const group = select("target_group_id", [...groups.values()].map((g) => [g.id, g.name]), null, { required: true });
	const district = h("input", { name: "district", maxlength: 100 });
	const form = h(
		"form",
		{
			id: "case-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					const body = { reference: reference.value.trim(), target_group_id: group.value };
					if (district.value.trim()) body.district = district.value.trim();
					const c = await api.post("/v1/cases", body);
					navigate(`/cases/${c.id}`);
				} catch (err) {
					showErrors(form, err);
				}
			},
		},
		field(t("case_reference"), reference, t("case_reference_hint")),
		field(t("case_target_group"), group),
		field(t("case_district"), district),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit" }, t("case_create")),
	);
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("cases_title")), h("p", { class: "lead" }, t("cases_intro")))),
		h(
			"div",
			{ class: "grid-main-side" },
			h(
				"section",
				{ class: "card card-flush" },
				cases.length
					? table(
						[
							[t("case_reference"), (c) => h("a", { href: `/cases/${c.id}`, "data-link": true, class: "row-link" }, c.reference)],
							[t("case_target_group"), (c) => groups.get(c.target_group_id)?.name || "–"],
							[t("case_chain"), (c) => (c.chain_id ? `${t("chain_published", { n: c.chain_version })}` : t("case_not_enrolled"))],
							[t("case_opened"), (c) => fmtDate(c.opened_at)],
							[t("col_status"), (c) => badge(t(`case_status_${c.status}`), c.status === "open" ? "ok" : "muted")],
						],
						cases,
						{ class: "clickable", rowAttrs: (c) => ({ dataset: { id: c.id } }) },
					)
					: h("p", { class: "empty" }, t("cases_empty")),
			),
			h("section", { class: "card", "aria-labelledby": "new-case-h" }, h("h2", { id: "new-case-h" }, t("case_new")), form),
		),
	);
	for (const tr of main.querySelectorAll("tbody tr")) tr.addEventListener("click", (e) => !e.target.closest("a") && tr.querySelector("a").click());
	return {};
}

export async function caseView(main, id) {
	const [nodes, groups] = await Promise.all([api.nodes(), targetGroups()]);
	let cy = null;

	async function load() {
		const c = await api.get(`/v1/cases/${id}`);
		const [consents, referrals, chains] = await Promise.all([
			api.get(`/v1/cases/${id}/consents`),
			api.all(`/v1/referrals${api.qs({ case_id: id })}`),
			c.chain_id ? Promise.resolve(null) : api.all(`/v1/networks/${c.network_id}/chains`),
		]);
		let progress = null;
		let next = null;
		if (c.chain_id) {
			[progress, next] = await Promise.all([api.get(`/v1/cases/${id}/progress`), api.get(`/v1/cases/${id}/next-steps`)]);
		}
		draw(c, Array.isArray(consents) ? consents : consents.items || [], referrals, chains, progress, next);
	}

	function draw(c, consents, referrals, chains, progress, next) {
		if (cy) cy.destroy();
		cy = null;
		const group = groups.get(c.target_group_id);
		const active = consents.filter((k) => k.active);
		const sections = [
			h("p", { class: "crumbs" }, h("a", { href: "/cases", "data-link": true }, "← ", t("nav_cases"))),
			h(
				"div",
				{ class: "page-head" },
				h(
					"div",
					{},
					h("h1", { tabindex: "-1" }, t("case_title", { ref: c.reference })),
					h("p", { class: "lead" }, group ? group.name : "", c.district ? ` · ${c.district}` : "", " · ", t("case_opened"), " ", fmtDate(c.opened_at)),
				),
			),
		];
		// Consent
		sections.push(
			h(
				"section",
				{ class: "card", id: "consents", "aria-labelledby": "consents-h" },
				h("h2", { id: "consents-h" }, t("consents")),
				consents.length
					? table(
						[
							[t("consent_scope"), (k) => (k.scope === "network" ? t("consent_scope_network") : nodes.get(k.recipient_node_id)?.name || "–")],
							[t("consent_purpose"), (k) => k.purpose],
							[t("consent_given"), (k) => fmtDate(k.given_on)],
							[t("consent_evidence"), (k) => k.evidence],
							[t("col_status"), (k) => badge(t(k.active ? "consent_active" : "consent_revoked"), k.active ? "ok" : "muted")],
							[
								"",
								(k) =>
									k.revoked_at
										? ""
										: h(
											"button",
											{
												class: "btn btn-small btn-danger-quiet",
												type: "button",
												dataset: { revoke: k.id },
												onclick: async () => {
													if (!confirm(t("consent_revoke_confirm"))) return;
													try {
														const r = await api.post(`/v1/consents/${k.id}/revoke`);
														announce(t("consent_revoked_done", { n: (r.withdrawn_referral_ids || []).length }));
														await load();
													} catch (e) {
														announce(errorText(e), "error");
													}
												},
											},
											t("consent_revoke"),
										),
							],
						],
						consents,
					)
					: h("p", { class: "notice notice-warn" }, t("consent_none")),
				consentForm(c, nodes, load),
			),
		);
		// Enrolment or the chain
		if (!c.chain_id) {
			const fitting = (chains || []).filter((ch) => ch.target_group_id === c.target_group_id && ch.current_version);
			const chain = select("chain_id", fitting.map((ch) => [ch.id, ch.name]), fitting[0]?.id);
			sections.push(
				h(
					"section",
					{ class: "card", "aria-labelledby": "enrol-h" },
					h("h2", { id: "enrol-h" }, t("enrol_title")),
					fitting.length
						? h(
							"form",
							{
								id: "enrol-form",
								class: "inline-form",
								onsubmit: async (e) => {
									e.preventDefault();
									try {
										await api.post(`/v1/cases/${id}/enrolment`, { chain_id: chain.value });
										await load();
									} catch (err) {
										announce(errorText(err), "error");
									}
								},
							},
							field(t("enrol_chain"), chain),
							h("button", { class: "btn btn-primary", type: "submit" }, t("enrol_submit")),
						)
						: h("p", { class: "empty" }, t("enrol_none")),
				),
			);
		} else {
			const canvas = h("div", { class: "graph graph-chain", id: "case-chain-graph", "aria-hidden": "true" });
			sections.push(
				h(
					"section",
					{ class: "card", "aria-labelledby": "progress-h" },
					h("h2", { id: "progress-h" }, t("chain_progress")),
					h(
						"div",
						{ class: "graph-with-list" },
						canvas,
						h(
							"ol",
							{ class: "step-list", id: "step-list" },
							progress.steps.map((s) =>
								h(
									"li",
									{ dataset: { step: s.key, state: s.state } },
									h("span", { class: "step-name" }, s.name),
									badge(t(`step_${s.state}`), `step-${s.state}`),
									s.required ? null : h("span", { class: "muted" }, ` (${t("step_optional")})`),
								),
							),
						),
					),
				),
				nextStepsSection(c, next, nodes, active, load),
			);
			requestAnimationFrame(() => {
				if (canvas.isConnected) cy = drawChain(canvas, progress.steps, progress.edges);
			});
		}
		// Referrals of this case (its outbox)
		sections.push(
			h(
				"section",
				{ class: "card card-flush", "aria-labelledby": "case-ref-h" },
				h("h2", { id: "case-ref-h", class: "card-title" }, t("case_referrals")),
				referrals.length
					? table(
						[
							[t("referral_created"), (r) => h("a", { href: `/referrals/${r.id}`, "data-link": true }, fmtDate(r.created_at, true))],
							[t("col_to"), (r) => nodes.get(r.to_node_id)?.name || "–"],
							[t("col_step"), (r) => r.chain_step_key || "–"],
							[t("col_status"), statusCell],
						],
						referrals,
						{ rowAttrs: (r) => ({ dataset: { id: r.id, status: r.status } }) },
					)
					: h("p", { class: "empty" }, "–"),
			),
		);
		fill(main, ...sections);
	}

	await load();
	return {
		destroy: () => cy && cy.destroy(),
		onLive: (type, data) => {
			if (data.case_id === id || type === "consent.revoked") load();
		},
	};
}

function consentForm(c, nodes, reload) {
	const scope = select("scope", [["network", t("consent_scope_network")], ["node", t("consent_scope_node")]], "network");
	const recipients = [...nodes.values()].filter((n) => n.id !== session.me.node_id).sort((a, b) => a.name.localeCompare(b.name));
	const recipient = select("recipient_node_id", recipients.map((n) => [n.id, n.name]));
	const recipientField = field(t("consent_recipient"), recipient);
	recipientField.hidden = true;
	scope.addEventListener("change", () => (recipientField.hidden = scope.value !== "node"));
	const purpose = h("input", { name: "purpose", required: true, maxlength: 200, value: t("consent_purpose_default") });
	const given = h("input", { name: "given_on", type: "date", required: true, value: new Date().toISOString().slice(0, 10) });
	const evidence = h("input", { name: "evidence", required: true, maxlength: 200 });
	const form = h(
		"form",
		{
			id: "consent-form",
			class: "grid-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const body = { scope: scope.value, purpose: purpose.value, given_on: given.value, evidence: evidence.value };
				if (scope.value === "node") body.recipient_node_id = recipient.value;
				try {
					await api.post(`/v1/cases/${c.id}/consents`, body);
					await reload();
				} catch (err) {
					showErrors(form, err);
				}
			},
		},
		field(t("consent_scope"), scope),
		recipientField,
		field(t("consent_purpose"), purpose),
		field(t("consent_given"), given),
		field(t("consent_evidence"), evidence, t("consent_evidence_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("consent_new"))),
	);
	return h("details", { class: "disclosure" }, h("summary", {}, t("consent_new")), form);
}

function nextStepsSection(c, next, nodes, activeConsents, reload) {
	const items = next.items || [];
	return h(
		"section",
		{ class: "card", id: "next-steps", "aria-labelledby": "next-h" },
		h("h2", { id: "next-h" }, t("next_steps")),
		items.length
			? items.map((s) =>
				h(
					"div",
					{ class: "next-step", dataset: { step: s.key } },
					h(
						"div",
						{ class: "next-step-head" },
						h("h3", {}, s.name),
						badge(s.required ? t("step_required") : t("step_optional"), s.required ? "info" : "muted"),
					),
					s.guidance ? h("p", { class: "guidance" }, s.guidance) : null,
					h("h4", {}, t("suggested")),
					s.suggestions.length
						? h(
							"ul",
							{ class: "suggestions" },
							s.suggestions.map((p) =>
								h(
									"li",
									{ dataset: { node: p.node_id } },
									h(
										"div",
										{ class: "sugg-main" },
										h("strong", {}, p.node_name),
										h("span", { class: "muted" }, ` · ${p.service_name}${p.district ? ` · ${p.district}` : ""}`),
										h(
											"div",
											{ class: "sugg-meta" },
											p.capacity_free === null || p.capacity_free === undefined
												? null
												: badge(p.capacity_free > 0 ? t("free_places", { n: p.capacity_free }) : t("no_free_places"), p.capacity_free > 0 ? "ok" : "warn"),
											p.wait_days ? h("span", { class: "muted" }, t("wait_days", { n: p.wait_days })) : null,
										),
									),
									referButton(c, s, p, reload),
								),
							),
						)
						: h("p", { class: "empty" }, t("no_suggestion")),
				),
			)
			: h("p", { class: "empty" }, t("next_none")),
	);
}

function referButton(c, step, p, reload) {
	const slot = h("div", { class: "refer-slot" });
	const open = h(
		"button",
		{
			class: "btn btn-primary btn-small",
			type: "button",
			dataset: { refer: p.node_id, step: step.key },
			onclick: () => {
				const reason = h("input", { name: "reason", maxlength: 200, value: step.name });
				const note = h("textarea", { name: "note", rows: 2, maxlength: 2000 });
				const urgent = h("input", { type: "checkbox", name: "priority", id: `urgent-${step.key}-${p.node_id}` });
				const form = h(
					"form",
					{
						class: "refer-form",
						onsubmit: async (e) => {
							e.preventDefault();
							const body = { case_id: c.id, to_node_id: p.node_id, chain_step_key: step.key, service_id: p.service_id };
							if (reason.value) body.reason = reason.value;
							if (note.value) body.note = note.value;
							if (urgent.checked) body.priority = "urgent";
							try {
								await api.post("/v1/referrals", body, { idempotencyKey: crypto.randomUUID ? crypto.randomUUID() : String(Math.random()) });
								announce(t("refer_done", { name: p.node_name }));
								await reload();
							} catch (err) {
								showErrors(form, err);
							}
						},
					},
					h("h4", {}, t("refer_title", { name: p.node_name })),
					field(t("refer_reason"), reason),
					field(t("refer_note"), note),
					h("div", { class: "field field-check" }, urgent, h("label", { for: urgent.id }, t("refer_priority"))),
					h("div", { class: "form-error", role: "alert" }),
					h(
						"div",
						{ class: "actions" },
						h("button", { class: "btn btn-primary", type: "submit" }, t("refer_submit")),
						h("button", { class: "btn", type: "button", onclick: () => (clear(slot), (open.hidden = false), open.focus()) }, t("cancel")),
					),
				);
				open.hidden = true;
				fill(slot, form);
				reason.focus();
			},
		},
		t("refer"),
	);
	return h("div", { class: "refer" }, open, slot);
}
