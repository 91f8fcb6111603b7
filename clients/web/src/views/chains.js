// Service chains for coordinators: the list, a new chain, and the chain editor (steps,
// connections, providers; the diagram marks the problems the server finds; publish).
import * as api from "../api.js";
import { h, fill, field, select, table, badge } from "../dom.js";
import { t, label } from "../i18n.js";
import { announce, errorText, navigate } from "../main.js";
import { drawChain } from "../graph.js";
import { myNetwork, noNetwork } from "./network.js";

let taxonomyCache = null;
async function taxonomy() {
	if (!taxonomyCache) taxonomyCache = api.get("/v1/taxonomy").then((r) => r.items || r);
	return taxonomyCache;
}

export async function chainsView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
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

// A chain problem (from the API: code, step, field, node_id, message) in the app's words.
// Unknown codes fall back to the server's English sentence.
export function chainProblemText(p, stepName, nodeName) {
	const edge = /^edges\[(\d+)\]/.exec(p.field || "");
	const params = {
		step: p.step ? stepName(p.step) : "",
		node: p.node_id ? nodeName(p.node_id) : "",
		n: edge ? Number(edge[1]) + 1 : "",
	};
	const key = `chain_problem_${p.code}`;
	const text = t(key, params);
	return text === key ? p.message : text;
}

export async function chainEditorView(main, chainId) {
	const [chain, cats] = await Promise.all([api.get(`/v1/chains/${chainId}`), taxonomy()]);
	const [members, allNodes, services] = await Promise.all([
		api.all(`/v1/networks/${chain.network_id}/members?active=true`),
		api.nodes(),
		api.all("/v1/services?status=active", 2000).catch(() => []),
	]);
	const catLabel = new Map(cats.map((c) => [c.code, label(c)]));
	const memberIds = new Set(members.map((m) => m.node_id));
	// Nodes offering a category, for providers that are not members yet.
	const offering = new Map();
	for (const sv of services) {
		if (!offering.has(sv.category)) offering.set(sv.category, new Set());
		offering.get(sv.category).add(sv.node_id);
	}
	const nodeName = (id) => allNodes.get(id)?.name || members.find((m) => m.node_id === id)?.node?.name || id;
	const number = chain.draft_version || chain.current_version;
	let version = number ? await api.get(`/v1/chains/${chainId}/versions/${number}`) : null;
	let steps = version ? version.steps.map((s) => ({ ...s })) : [];
	let edges = version ? version.edges.map((e) => ({ ...e })) : [];
	let problems = [];
	let warnings = [];
	let removed = null; // the step removed last, to undo: { step, index, edges }
	let cy = null;
	let savedGraph = null;

	const isDraft = () => version && version.status === "draft";
	const stepName = (k) => steps.find((s) => s.key === k)?.name || k;
	const markSaved = () => (savedGraph = isDraft() ? JSON.stringify(graphBody()) : null);
	const unsaved = () => isDraft() && savedGraph !== null && JSON.stringify(graphBody()) !== savedGraph;

	// Any edit: the undo of a removal no longer applies, and the page says it is unsaved.
	function changed() {
		removed = null;
		redraw();
	}

	function removeStep(i) {
		const s = steps[i];
		if (!confirm(t("step_remove_confirm", { name: s.name }))) return;
		removed = { step: s, index: i, edges: edges.filter((e) => e.from === s.key || e.to === s.key) };
		steps.splice(i, 1);
		edges = edges.filter((e) => e.from !== s.key && e.to !== s.key);
		redraw();
		announce(t("step_removed", { name: s.name }));
		main.querySelector("#undo-remove")?.focus();
	}

	function undoRemove() {
		if (!removed) return;
		steps.splice(Math.min(removed.index, steps.length), 0, removed.step);
		edges.push(...removed.edges);
		const name = removed.step.name;
		removed = null;
		redraw();
		announce(t("step_restored", { name }));
	}

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
				h(
					"ul",
					{},
					problems.map((p) => h("li", { dataset: { step: p.step || "", code: p.code || "" } }, chainProblemText(p, stepName, nodeName))),
				),
			)
			: null;
		const warningList = warnings.length
			? h(
				"div",
				{ class: "notice notice-warn", id: "warnings" },
				h("strong", {}, t("editor_warnings")),
				h("ul", {}, warnings.map((w) => h("li", { dataset: { step: w.step || "", code: w.code || "" } }, chainProblemText(w, stepName, nodeName)))),
			)
			: null;
		const undo = removed
			? h(
				"div",
				{ class: "notice undo-bar", id: "undo-bar", role: "status" },
				h("span", {}, t("step_removed", { name: removed.step.name })),
				h("button", { class: "btn btn-small", type: "button", id: "undo-remove", onclick: undoRemove }, t("undo")),
			)
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
					" ",
					unsaved() ? badge(t("editor_unsaved"), "bad") : null,
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
			undo,
			h("section", { class: "card" }, canvas, h("p", { class: "hint" }, t("editor_graph_hint"))),
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

	// The providers of step s as checkboxes: the network's active members, then (folded) nodes
	// offering the step's category that are not members, and any chosen node that is neither.
	function providerChoice(s, i) {
		const chosen = new Set(s.providers || []);
		const box = (id, text, note) => {
			const input = h("input", { type: "checkbox", name: "providers", value: id, id: `prov-${i}-${id}`, checked: chosen.has(id) });
			input.addEventListener("change", () => {
				const set = new Set(s.providers || []);
				if (input.checked) set.add(id);
				else set.delete(id);
				s.providers = [...set];
				removed = null;
				refreshHead();
			});
			return h("div", { class: "field-check" }, input, h("label", { for: input.id }, text, note ? h("span", { class: "muted small" }, ` (${note})`) : null));
		};
		// Members with an active service of the step's category first: they are the likely ones.
		const offers = offering.get(s.category) || new Set();
		const memberBoxes = members
			.slice()
			.sort((a, b) => offers.has(b.node_id) - offers.has(a.node_id) || (a.node?.name || "").localeCompare(b.node?.name || "", "de"))
			.map((m) => box(m.node_id, m.node?.name || m.node_id, offers.has(m.node_id) ? t("step_provider_offers") : null));
		const others = [...new Set([...(offering.get(s.category) || []), ...chosen])].filter((id) => !memberIds.has(id));
		others.sort((a, b) => nodeName(a).localeCompare(nodeName(b), "de"));
		return h(
			"fieldset",
			{ class: "checklist-set providers", dataset: { step: s.key } },
			h("legend", {}, t("step_providers")),
			h("p", { class: "hint" }, t("step_providers_hint")),
			h("div", { class: "checklist" }, memberBoxes),
			others.length
				? h(
					"details",
					{ class: "disclosure others", open: others.some((id) => chosen.has(id)) },
					h("summary", {}, t("step_providers_others", { n: others.length })),
					h("div", { class: "checklist" }, others.map((id) => box(id, nodeName(id), t("step_provider_not_member")))),
				)
				: null,
		);
	}

	// The unsaved mark in the head, without redrawing the page (a checkbox keeps its focus).
	function refreshHead() {
		const lead = main.querySelector(".page-head .lead");
		if (!lead) return;
		const mark = lead.querySelector(".badge-bad");
		if (unsaved() && !mark) lead.append(badge(t("editor_unsaved"), "bad"));
		if (!unsaved() && mark) mark.remove();
		main.querySelector("#undo-bar")?.remove();
	}

	function stepsEditor(draft, problemKeys) {
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
						h("div", { class: "muted small" }, (s.providers || []).map(nodeName).join(", ")),
					);
				}
				const nameIn = h("input", { name: "name", value: s.name, maxlength: 200 });
				nameIn.addEventListener("change", () => ((s.name = nameIn.value), changed()));
				const cat = select("category", cats.map((c) => [c.code, label(c)]), s.category);
				cat.addEventListener("change", () => ((s.category = cat.value), changed()));
				const req = h("input", { type: "checkbox", name: "required", checked: s.required !== false, id: `req-${i}` });
				req.addEventListener("change", () => ((s.required = req.checked), changed()));
				const acc = h("input", { type: "number", name: "target_days_to_accept", min: 1, max: 90, value: s.target_days_to_accept ?? "" });
				acc.addEventListener("change", () => ((s.target_days_to_accept = acc.value ? Number(acc.value) : null), refreshHead()));
				const start = h("input", { type: "number", name: "target_days_to_start", min: 1, max: 365, value: s.target_days_to_start ?? "" });
				start.addEventListener("change", () => ((s.target_days_to_start = start.value ? Number(start.value) : null), refreshHead()));
				return h(
					"li",
					{ class: problemKeys.has(s.key) ? "has-problem" : "", dataset: { step: s.key } },
					h(
						"fieldset",
						{},
						h("legend", {}, h("code", {}, s.key)),
						h("div", { class: "grid-form" }, field(t("step_name"), nameIn), field(t("step_category"), cat), field(t("step_days_accept"), acc), field(t("step_days_start"), start)),
						h("div", { class: "field field-check" }, req, h("label", { for: req.id }, t("step_required_label"))),
						providerChoice(s, i),
						h(
							"button",
							{ class: "btn btn-small btn-danger-quiet remove-step", type: "button", "aria-label": `${t("step_remove")}: ${s.name}`, onclick: () => removeStep(i) },
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
		const error = h("div", { class: "form-error", role: "alert" });
		const add = h(
			"form",
			{
				id: "add-step",
				class: "add-form",
				onsubmit: (e) => {
					e.preventDefault();
					if (steps.some((s) => s.key === key.value)) {
						error.textContent = t("step_key_taken", { key: key.value });
						key.setAttribute("aria-invalid", "true");
						return;
					}
					steps.push({ key: key.value, name: name.value, category: cat.value, required: true, providers: [] });
					changed();
					main.querySelector("#add-step input")?.focus();
				},
			},
			h("h3", {}, t("editor_add_step")),
			h("div", { class: "grid-form" }, field(t("step_key"), key, t("step_key_hint")), field(t("step_name"), name), field(t("step_category"), cat)),
			error,
			h("button", { class: "btn", type: "submit" }, t("editor_add_step")),
		);
		return [list, add];
	}

	function edgesEditor(draft) {
		const nameOf = (k) => (k === "start" ? t("edge_start") : stepName(k));
		const list = h(
			"ul",
			{ class: "edit-list edges", id: "edges" },
			edges.map((e, i) =>
				h(
					"li",
					{ dataset: { from: e.from, to: e.to } },
					h("span", {}, nameOf(e.from), " → ", nameOf(e.to)),
					e.label ? h("span", { class: "muted" }, ` (${e.label})`) : null,
					draft
						? h(
							"button",
							{ class: "btn btn-small btn-danger-quiet", type: "button", "aria-label": `${t("step_remove")}: ${nameOf(e.from)} → ${nameOf(e.to)}`, onclick: () => (edges.splice(i, 1), changed()) },
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
					changed();
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
			markSaved();
			problems = [];
			warnings = saved.warnings || [];
			removed = null;
			redraw();
			announce(t("editor_saved"));
			return true;
		} catch (e) {
			if (e.status === 422) {
				problems = e.problem.errors || [];
				warnings = [];
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
			markSaved();
			announce(t("editor_published", { n: version.number }));
			redraw();
		} catch (e) {
			if (e.status === 422) {
				problems = e.problem.errors || [];
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
			markSaved();
			redraw();
		} catch (e) {
			announce(errorText(e), "error");
		}
	}

	markSaved();
	redraw();
	return { destroy: () => cy && cy.destroy(), unsaved };
}
