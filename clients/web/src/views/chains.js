// Service chains for coordinators: the list, a new chain, and the chain editor (steps,
// connections, providers; the diagram marks the problems the server finds; publish).
import * as api from "../api.js";
import { h, fill, field, select, table, badge } from "../dom.js";
import { t, label } from "../i18n.js";
import { announce, errorText, navigate } from "../main.js";
import { drawChain } from "../graph.js";
import { myNetwork } from "./network.js";

let taxonomyCache = null;
async function taxonomy() {
	if (!taxonomyCache) taxonomyCache = api.get("/v1/taxonomy").then((r) => r.items || r);
	return taxonomyCache;
}

export async function chainsView(main) {
	const network = await myNetwork();
	const [chains, groups] = await Promise.all([
		api.all(`/v1/networks/${network.id}/chains`),
		api.all(`/v1/networks/${network.id}/target-groups`),
	]);
	const byId = new Map(groups.map((g) => [g.id, g]));
	const name = h("input", { name: "name", required: true, maxlength: 200 });
	const group = select("target_group_id", groups.map((g) => [g.id, g.name]));
	const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 });
	const error = h("div", { class: "form-error", role: "alert" });
	const form = h(
		"form",
		{
			id: "chain-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					const body = { name: name.value.trim(), target_group_id: group.value };
					if (description.value.trim()) body.description = description.value.trim();
					const chain = await api.post(`/v1/networks/${network.id}/chains`, body);
					if (!chain.draft_version) await api.post(`/v1/chains/${chain.id}/versions`, { from: "empty" });
					navigate(`/chains/${chain.id}`);
				} catch (err) {
					error.textContent = errorText(err);
				}
			},
		},
		field(t("chain_name"), name),
		field(t("case_target_group"), group),
		field(t("chain_description"), description),
		error,
		h("button", { class: "btn btn-primary", type: "submit" }, t("chain_create")),
	);
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("chains_title")), h("p", { class: "lead" }, t("chains_intro")))),
		h(
			"div",
			{ class: "grid-main-side" },
			h(
				"section",
				{ class: "card card-flush" },
				table(
					[
						[t("col_name"), (c) => h("a", { href: `/chains/${c.id}`, "data-link": true, class: "row-link" }, c.name)],
						[t("case_target_group"), (c) => byId.get(c.target_group_id)?.name || "–"],
						[
							t("col_status"),
							(c) =>
								h(
									"span",
									{ class: "status-cell" },
									c.current_version ? badge(t("chain_published", { n: c.current_version }), "ok") : null,
									c.draft_version ? badge(t("chain_draft", { n: c.draft_version }), "warn") : null,
									!c.current_version && !c.draft_version ? badge(t("chain_no_version"), "muted") : null,
								),
						],
					],
					chains,
					{ class: "clickable", rowAttrs: (c) => ({ dataset: { id: c.id } }) },
				),
			),
			h("section", { class: "card", "aria-labelledby": "new-chain-h" }, h("h2", { id: "new-chain-h" }, t("chain_new")), form),
		),
	);
	for (const tr of main.querySelectorAll("tbody tr")) tr.addEventListener("click", (e) => !e.target.closest("a") && tr.querySelector("a").click());
	return {};
}

export async function chainEditorView(main, chainId) {
	const [chain, cats] = await Promise.all([api.get(`/v1/chains/${chainId}`), taxonomy()]);
	const members = await api.all(`/v1/networks/${chain.network_id}/members?active=true`);
	const catLabel = new Map(cats.map((c) => [c.code, label(c)]));
	const number = chain.draft_version || chain.current_version;
	let version = number ? await api.get(`/v1/chains/${chainId}/versions/${number}`) : null;
	let steps = version ? version.steps.map((s) => ({ ...s })) : [];
	let edges = version ? version.edges.map((e) => ({ ...e })) : [];
	let problems = [];
	let warnings = [];
	let cy = null;

	const isDraft = () => version && version.status === "draft";

	function redraw() {
		if (cy) cy.destroy();
		cy = null;
		const keys = new Set(problems.map((p) => p.step).filter(Boolean));
		const draft = isDraft();
		const canvas = h("div", { class: "graph graph-chain graph-editor", id: "editor-graph", "aria-hidden": "true" });
		const problemList = problems.length
			? h(
				"div",
				{ class: "notice notice-error", id: "problems", role: "alert" },
				h("strong", {}, t("editor_problems", { n: problems.length })),
				h("ul", {}, problems.map((p) => h("li", { dataset: { step: p.step || "" } }, p.message))),
			)
			: null;
		const warningList = warnings.length
			? h("div", { class: "notice notice-warn", id: "warnings" }, h("strong", {}, t("editor_warnings")), h("ul", {}, warnings.map((w) => h("li", {}, w.message))))
			: null;
		const head = h(
			"div",
			{ class: "page-head" },
			h(
				"div",
				{},
				h("h1", { tabindex: "-1" }, chain.name),
				h(
					"p",
					{ class: "lead" },
					version
						? badge(draft ? t("chain_draft", { n: version.number }) : t("chain_published", { n: version.number }), draft ? "warn" : "ok")
						: badge(t("chain_no_version"), "muted"),
				),
			),
			h(
				"div",
				{ class: "actions" },
				draft ? h("button", { class: "btn", type: "button", id: "save-draft", onclick: save }, t("editor_save")) : null,
				draft ? h("button", { class: "btn btn-primary", type: "button", id: "publish", onclick: publish }, t("editor_publish")) : null,
				!draft ? h("button", { class: "btn btn-primary", type: "button", id: "new-draft", onclick: newDraft }, t("editor_new_draft")) : null,
			),
		);
		fill(main,
			h("p", { class: "crumbs" }, h("a", { href: "/chains", "data-link": true }, "← ", t("nav_chains"))),
			head,
			draft ? null : h("p", { class: "notice" }, t("editor_readonly")),
			problemList,
			warningList,
			h("section", { class: "card" }, canvas),
			h(
				"div",
				{ class: "grid-2" },
				h("section", { class: "card", "aria-labelledby": "steps-h" }, h("h2", { id: "steps-h" }, t("editor_steps")), stepsEditor(draft, keys)),
				h("section", { class: "card", "aria-labelledby": "edges-h" }, h("h2", { id: "edges-h" }, t("editor_edges")), edgesEditor(draft)),
			),
		);
		requestAnimationFrame(() => {
			if (canvas.isConnected) cy = drawChain(canvas, steps, edges, { problems: keys });
		});
	}

	function stepsEditor(draft, problemKeys) {
		const providerOptions = members.map((m) => [m.node_id, m.node?.name || m.node_id]);
		const list = h(
			"ol",
			{ class: "edit-list", id: "steps" },
			steps.map((s, i) => {
				if (!draft) {
					return h(
						"li",
						{ dataset: { step: s.key } },
						h("strong", {}, s.name),
						h("span", { class: "muted" }, ` · ${catLabel.get(s.category) || s.category}${s.required === false ? ` · ${t("step_optional")}` : ""}`),
						h("div", { class: "muted small" }, (s.providers || []).map((id) => members.find((m) => m.node_id === id)?.node?.name || id).join(", ")),
					);
				}
				const providers = h(
					"select",
					{ name: "providers", multiple: true, size: Math.min(6, providerOptions.length), "aria-describedby": `prov-hint-${i}` },
					providerOptions.map(([v, l]) => h("option", { value: v, selected: (s.providers || []).includes(v) }, l)),
				);
				providers.addEventListener("change", () => (s.providers = [...providers.selectedOptions].map((o) => o.value)));
				const nameIn = h("input", { name: "name", value: s.name, maxlength: 200 });
				nameIn.addEventListener("change", () => ((s.name = nameIn.value), redraw()));
				const cat = select("category", cats.map((c) => [c.code, label(c)]), s.category);
				cat.addEventListener("change", () => (s.category = cat.value));
				const req = h("input", { type: "checkbox", name: "required", checked: s.required !== false, id: `req-${i}` });
				req.addEventListener("change", () => ((s.required = req.checked), redraw()));
				const acc = h("input", { type: "number", name: "target_days_to_accept", min: 1, max: 90, value: s.target_days_to_accept ?? "" });
				acc.addEventListener("change", () => (s.target_days_to_accept = acc.value ? Number(acc.value) : null));
				const start = h("input", { type: "number", name: "target_days_to_start", min: 1, max: 365, value: s.target_days_to_start ?? "" });
				start.addEventListener("change", () => (s.target_days_to_start = start.value ? Number(start.value) : null));
				return h(
					"li",
					{ class: problemKeys.has(s.key) ? "has-problem" : "", dataset: { step: s.key } },
					h(
						"fieldset",
						{},
						h("legend", {}, h("code", {}, s.key)),
						h("div", { class: "grid-form" }, field(t("step_name"), nameIn), field(t("step_category"), cat), field(t("step_days_accept"), acc), field(t("step_days_start"), start)),
						h("div", { class: "field field-check" }, req, h("label", { for: req.id }, t("step_required_label"))),
						field(t("step_providers"), providers),
						h("p", { class: "hint", id: `prov-hint-${i}` }, t("step_providers_hint")),
						h(
							"button",
							{
								class: "btn btn-small btn-danger-quiet",
								type: "button",
								onclick: () => {
									steps.splice(i, 1);
									edges = edges.filter((e) => e.from !== s.key && e.to !== s.key);
									redraw();
								},
							},
							t("step_remove"),
						),
					),
				);
			}),
		);
		if (!draft) return list;
		const key = h("input", { name: "key", required: true, pattern: "[a-z][a-z0-9_\\-]{0,63}", maxlength: 64 });
		const name = h("input", { name: "name", required: true, maxlength: 200 });
		const cat = select("category", cats.map((c) => [c.code, label(c)]));
		const add = h(
			"form",
			{
				id: "add-step",
				class: "add-form",
				onsubmit: (e) => {
					e.preventDefault();
					steps.push({ key: key.value, name: name.value, category: cat.value, required: true, providers: [] });
					redraw();
					main.querySelector("#add-step input")?.focus();
				},
			},
			h("h3", {}, t("editor_add_step")),
			h("div", { class: "grid-form" }, field(t("step_key"), key, t("step_key_hint")), field(t("step_name"), name), field(t("step_category"), cat)),
			h("button", { class: "btn", type: "submit" }, t("editor_add_step")),
		);
		return [list, add];
	}

	function edgesEditor(draft) {
		const stepName = (k) => (k === "start" ? t("edge_start") : steps.find((s) => s.key === k)?.name || k);
		const list = h(
			"ul",
			{ class: "edit-list edges", id: "edges" },
			edges.map((e, i) =>
				h(
					"li",
					{ dataset: { from: e.from, to: e.to } },
					h("span", {}, stepName(e.from), " → ", stepName(e.to)),
					e.label ? h("span", { class: "muted" }, ` (${e.label})`) : null,
					draft
						? h(
							"button",
							{ class: "btn btn-small btn-danger-quiet", type: "button", "aria-label": `${t("step_remove")}: ${stepName(e.from)} → ${stepName(e.to)}`, onclick: () => (edges.splice(i, 1), redraw()) },
							t("step_remove"),
						)
						: null,
				),
			),
		);
		if (!draft) return list;
		const opts = steps.map((s) => [s.key, s.name]);
		const from = select("from", [["start", t("edge_start")], ...opts]);
		const to = select("to", opts);
		const lbl = h("input", { name: "label", maxlength: 200 });
		const add = h(
			"form",
			{
				id: "add-edge",
				class: "add-form",
				onsubmit: (e) => {
					e.preventDefault();
					const edge = { from: from.value, to: to.value };
					if (lbl.value.trim()) edge.label = lbl.value.trim();
					edges.push(edge);
					redraw();
					main.querySelector("#add-edge select")?.focus();
				},
			},
			h("h3", {}, t("editor_add_edge")),
			h("div", { class: "grid-form" }, field(t("edge_from"), from), field(t("edge_to"), to), field(t("edge_label"), lbl)),
			h("button", { class: "btn", type: "submit" }, t("editor_add_edge")),
		);
		return [list, add];
	}

	function graphBody() {
		return {
			note: version.note ?? null,
			steps: steps.map((s) => {
				const out = { key: s.key, name: s.name, category: s.category, required: s.required !== false, providers: s.providers || [] };
				for (const k of ["target_days_to_accept", "target_days_to_start", "guidance"]) if (s[k] !== null && s[k] !== undefined && s[k] !== "") out[k] = s[k];
				return out;
			}),
			edges: edges.map((e) => (e.label ? { from: e.from, to: e.to, label: e.label } : { from: e.from, to: e.to })),
		};
	}

	async function save() {
		try {
			const saved = await api.put(`/v1/chains/${chainId}/versions/${version.number}`, graphBody(), { ifMatch: version.version });
			version = saved;
			problems = [];
			warnings = saved.warnings || [];
			redraw();
			announce(t("editor_saved"));
			return true;
		} catch (e) {
			if (e.status === 422) {
				problems = (e.problem.errors || []).map((p) => ({ step: p.step, message: p.message + (p.field ? ` (${p.field})` : "") }));
				redraw();
				announce(t("editor_problems", { n: problems.length }), "error");
			} else {
				announce(errorText(e), "error");
			}
			return false;
		}
	}

	async function publish() {
		if (!(await save())) return;
		if (!confirm(t("editor_publish_confirm"))) return;
		try {
			const published = await api.post(`/v1/chains/${chainId}/versions/${version.number}/publish`, undefined, { ifMatch: version.version });
			version = await api.get(`/v1/chains/${chainId}/versions/${published.number || version.number}`);
			announce(t("editor_published", { n: version.number }));
			redraw();
		} catch (e) {
			if (e.status === 422) {
				problems = (e.problem.errors || []).map((p) => ({ step: p.step, message: p.message }));
				redraw();
			}
			announce(errorText(e), "error");
		}
	}

	async function newDraft() {
		try {
			version = await api.post(`/v1/chains/${chainId}/versions`, { from: version ? "current" : "empty" });
			if (!version.steps) version = await api.get(`/v1/chains/${chainId}/versions/${version.number}`);
			steps = (version.steps || []).map((s) => ({ ...s }));
			edges = (version.edges || []).map((e) => ({ ...e }));
			problems = [];
			redraw();
		} catch (e) {
			announce(errorText(e), "error");
		}
	}

	redraw();
	return { destroy: () => cy && cy.destroy() };
}
