// Admins keep the register: organizations (Träger) and their nodes (Dienststellen), created
// and changed here; the directory and the networks read them.
import * as api from "../api.js";
import { h, fill, field, select, table, badge } from "../dom.js";
import { t } from "../i18n.js";
import { announce, navigate } from "../main.js";
import { showFormError, clearErrors, valueOrNull } from "../forms.js";
import { kindLabel } from "./network.js";

// The kinds come with the server's vocabulary (api.vocabulary, lib/directory.c), loaded
// before these views draw.

const orgKindLabel = (k) => t(`org_kind_${k}`);

// Inputs for an address {street, postal_code, city} and what the API takes from them.
function addressInputs(a) {
	const street = h("input", { name: "street", maxlength: 200, value: a?.street || "", autocomplete: "off" });
	const postal = h("input", { name: "postal_code", maxlength: 5, pattern: "[0-9]{5}", inputmode: "numeric", value: a?.postal_code || "" });
	const city = h("input", { name: "city", maxlength: 100, value: a?.city || "" });
	return {
		fields: [field(t("addr_street"), street), field(t("addr_postal"), postal), field(t("addr_city"), city)],
		value() {
			const v = { street: valueOrNull(street), postal_code: valueOrNull(postal), city: valueOrNull(city) };
			return Object.values(v).some((x) => x !== null) ? v : null;
		},
	};
}

// Inputs for a contact {phone, email, url}.
function contactInputs(c) {
	const phone = h("input", { name: "phone", type: "tel", maxlength: 40, value: c?.phone || "" });
	const email = h("input", { name: "email", type: "email", maxlength: 254, value: c?.email || "" });
	const url = h("input", { name: "url", type: "url", maxlength: 2000, value: c?.url || "" });
	return {
		fields: [field(t("contact_phone"), phone), field(t("contact_email"), email), field(t("contact_url"), url)],
		value() {
			const v = { phone: valueOrNull(phone), email: valueOrNull(email), url: valueOrNull(url) };
			return Object.values(v).some((x) => x !== null) ? v : null;
		},
	};
}

// The form of an organization; org null for a new one. done(saved) runs after the write.
function organizationForm(org, done) {
	const name = h("input", { name: "name", required: true, maxlength: 200, value: org?.name || "" });
	const kind = select("kind", api.vocab.organization_kinds.map((k) => [k, orgKindLabel(k)]), org?.kind || "welfare_association");
	const address = addressInputs(org?.address);
	const contact = contactInputs(org?.contact);
	const form = h(
		"form",
		{
			id: org ? "org-edit" : "org-add",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = { name: name.value.trim(), kind: kind.value, address: address.value(), contact: contact.value() };
				try {
					const saved = org ? await api.patch(`/v1/organizations/${org.id}`, body, { ifMatch: org.version }) : await api.post("/v1/organizations", body);
					await done(saved);
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		h("div", { class: "grid-form" }, field(t("col_name"), name), field(t("col_kind"), kind)),
		h("fieldset", {}, h("legend", {}, t("address")), h("div", { class: "grid-form" }, address.fields)),
		h("fieldset", {}, h("legend", {}, t("contact")), h("div", { class: "grid-form" }, contact.fields)),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: org ? "org-save" : "org-create" }, org ? t("save") : t("org_create")),
	);
	return form;
}

export async function organizationsView(main) {
	const q = new URLSearchParams(location.search).get("q") || "";
	const [orgs, nodes] = await Promise.all([api.all(`/v1/organizations${api.qs({ q })}`), api.nodes(), api.vocabulary()]);
	const nodeCount = new Map();
	for (const n of nodes.values()) nodeCount.set(n.organization_id, (nodeCount.get(n.organization_id) || 0) + 1);
	const search = h("input", { name: "q", type: "search", value: q, id: "org-q" });
	fill(main,
		h("p", { class: "crumbs" }, h("a", { href: "/admin", "data-link": true }, "← ", t("admin_title"))),
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("orgs_title")), h("p", { class: "lead" }, t("orgs_intro")))),
		h(
			"div",
			{ class: "grid-main-side" },
			h(
				"div",
				{},
				h(
					"form",
					{
						class: "card filter-inline",
						role: "search",
						id: "org-search",
						onsubmit: (e) => {
							e.preventDefault();
							navigate(`/admin/organizations${api.qs({ q: search.value.trim() })}`);
						},
					},
					field(t("org_search"), search),
					h("button", { class: "btn", type: "submit" }, t("dir_search")),
				),
				h(
					"section",
					{ class: "card card-flush" },
					orgs.length
						? table(
							[
								[t("col_name"), (o) => h("a", { href: `/admin/organizations/${o.id}`, "data-link": true, class: "row-link" }, o.name)],
								[t("col_kind"), (o) => orgKindLabel(o.kind)],
								[t("addr_city"), (o) => o.address?.city || "–"],
								[t("org_nodes"), (o) => String(nodeCount.get(o.id) || 0)],
							],
							orgs,
							{ class: "clickable", rowAttrs: (o) => ({ dataset: { id: o.id } }) },
						)
						: h("p", { class: "empty" }, t("orgs_none")),
				),
			),
			h(
				"section",
				{ class: "card", "aria-labelledby": "org-new-h" },
				h("h2", { id: "org-new-h" }, t("org_new")),
				organizationForm(null, (saved) => {
					api.forgetCaches();
					navigate(`/admin/organizations/${saved.id}`);
				}),
			),
		),
	);
	return {};
}

// The form of a node of organization orgId; node null for a new one.
function nodeForm(orgId, node, done, cancel) {
	const name = h("input", { name: "name", required: true, maxlength: 200, value: node?.name || "" });
	const kind = select("kind", api.vocab.node_kinds.map((k) => [k, kindLabel(k)]), node?.kind || "counselling_service");
	const district = h("input", { name: "district", maxlength: 100, value: node?.district || "" });
	const languages = h("input", { name: "languages", maxlength: 100, value: (node?.languages || []).join(", "), placeholder: "de, en, tr" });
	const accessibility = h("textarea", { name: "accessibility", rows: 2, maxlength: 2000 }, node?.accessibility || "");
	const active = h("input", { type: "checkbox", name: "active", id: node ? `node-active-${node.id}` : "node-active-new", checked: node ? node.active : true });
	const address = addressInputs(node?.address);
	const contact = contactInputs(node?.contact);
	const form = h(
		"form",
		{
			id: node ? "node-edit" : "node-add",
			class: "add-form",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = {
					name: name.value.trim(),
					kind: kind.value,
					district: valueOrNull(district),
					address: address.value(),
					contact: contact.value(),
					languages: languages.value
						.split(/[,\s]+/)
						.map((l) => l.trim().toLowerCase())
						.filter(Boolean),
					accessibility: valueOrNull(accessibility),
					active: active.checked,
				};
				try {
					if (node) await api.patch(`/v1/nodes/${node.id}`, body, { ifMatch: node.version });
					else await api.post("/v1/nodes", { organization_id: orgId, ...body });
					api.forgetCaches();
					await done(node ? t("node_saved", { name: body.name }) : t("node_created", { name: body.name }));
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		h("h3", {}, node ? t("node_edit_title", { name: node.name }) : t("node_new")),
		h("div", { class: "grid-form" }, field(t("col_name"), name), field(t("col_kind"), kind), field(t("col_district"), district), field(t("node_languages"), languages, t("node_languages_hint"))),
		h("fieldset", {}, h("legend", {}, t("address")), h("div", { class: "grid-form" }, address.fields)),
		h("fieldset", {}, h("legend", {}, t("contact")), h("div", { class: "grid-form" }, contact.fields)),
		field(t("node_accessibility"), accessibility),
		h("div", { class: "field field-check" }, active, h("label", { for: active.id }, t("node_active_label"))),
		h("div", { class: "form-error", role: "alert" }),
		h(
			"div",
			{ class: "actions" },
			h("button", { class: "btn btn-primary", type: "submit", id: node ? "node-save" : "node-create" }, node ? t("save") : t("node_create")),
			cancel ? h("button", { class: "btn", type: "button", onclick: cancel }, t("cancel")) : null,
		),
	);
	return form;
}

export async function organizationView(main, id) {
	let org, nodes;
	let editing = null;

	async function load() {
		api.forgetCaches();
		[org, nodes] = await Promise.all([api.get(`/v1/organizations/${id}`), api.nodes(), api.vocabulary()]);
		nodes = [...nodes.values()].filter((n) => n.organization_id === id).sort((a, b) => a.name.localeCompare(b.name, "de"));
	}

	async function reload(message) {
		await load();
		editing = null;
		draw();
		if (message) announce(message);
	}

	function draw() {
		const node = editing ? nodes.find((n) => n.id === editing) : null;
		fill(main,
			h("p", { class: "crumbs" }, h("a", { href: "/admin/organizations", "data-link": true }, "← ", t("orgs_title"))),
			h("div", { class: "page-head" }, h("div", {}, h("h1", {}, org.name), h("p", { class: "lead" }, orgKindLabel(org.kind)))),
			h(
				"section",
				{ class: "card card-flush", "aria-labelledby": "nodes-h", id: "org-nodes" },
				h("h2", { id: "nodes-h", class: "card-title" }, t("org_nodes"), " ", h("span", { class: "count" }, String(nodes.length))),
				node ? h("div", { class: "card-body" }, nodeForm(id, node, reload, () => ((editing = null), draw()))) : null,
				nodes.length
					? h(
						"div",
						{ class: "table-scroll" },
						table(
							[
								[t("col_name"), (n) => h("strong", {}, n.name)],
								[t("col_kind"), (n) => kindLabel(n.kind)],
								[t("col_district"), (n) => n.district || "–"],
								[t("col_status"), (n) => (n.active ? badge(t("node_active"), "ok") : badge(t("node_inactive"), "muted"))],
								["", (n) => h("button", { class: "btn btn-small", type: "button", "data-edit": n.id, onclick: () => ((editing = n.id), draw()) }, t("edit"))],
							],
							nodes,
							{ rowAttrs: (n) => ({ dataset: { id: n.id } }) },
						),
					)
					: h("p", { class: "empty" }, t("org_no_nodes")),
				h("div", { class: "card-body" }, nodeForm(id, null, reload, null)),
			),
			h(
				"section",
				{ class: "card", "aria-labelledby": "org-edit-h" },
				h("h2", { id: "org-edit-h" }, t("org_edit")),
				organizationForm(org, async () => reload(t("org_saved"))),
			),
		);
	}

	await load();
	draw();
	return {};
}
