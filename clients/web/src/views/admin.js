// The admin's start page: what there is to administer, each with a line about it; and the
// networks (created here, then kept by their coordinators on the network page).
import * as api from "../api.js";
import { h, fill, field, table } from "../dom.js";
import { t } from "../i18n.js";
import { navigate } from "../main.js";
import { chooseNetwork, forgetNetworks } from "../networks.js";
import { showFormError, clearErrors, valueOrNull } from "../forms.js";

const AREAS = [
	["/admin/organizations", "orgs_title", "admin_orgs_text", "admin-orgs"],
	["/admin/accounts", "accounts_title", "admin_accounts_text", "admin-accounts"],
	["/admin/networks", "networks_title", "admin_networks_text", "admin-networks"],
	["/admin/webhooks", "webhooks_title", "admin_webhooks_text", "admin-webhooks"],
	["/audit", "audit_title", "admin_audit_text", "admin-audit"],
];

export async function adminView(main) {
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("admin_title")), h("p", { class: "lead" }, t("admin_intro")))),
		h(
			"div",
			{ class: "tiles" },
			AREAS.map(([href, title, text, id]) =>
				h("a", { class: "card tile", href, "data-link": true, id }, h("h2", {}, t(title)), h("p", { class: "muted" }, t(text))),
			),
		),
	);
	return {};
}

// Every network, and a new one: its coordinators keep members, target groups and settings.
export async function networksAdminView(main) {
	const networks = await api.all("/v1/networks");
	const name = h("input", { name: "name", required: true, maxlength: 200 });
	const locality = h("input", { name: "locality", required: true, maxlength: 200 });
	const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 });
	const days = h("input", { name: "default_days_to_accept", type: "number", min: 1, max: 90, value: 5, required: true });
	const open = (n) => {
		chooseNetwork(n.id);
		navigate("/network");
	};
	const form = h(
		"form",
		{
			id: "network-add",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				try {
					const made = await api.post("/v1/networks", {
						name: name.value.trim(),
						locality: locality.value.trim(),
						description: valueOrNull(description),
						default_days_to_accept: Number(days.value),
					});
					forgetNetworks();
					open(made);
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		field(t("network_name"), name),
		field(t("network_locality"), locality),
		field(t("network_description"), description),
		field(t("network_default_days"), days, t("network_default_days_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "network-create" }, t("network_create")),
	);
	fill(main,
		h("p", { class: "crumbs" }, h("a", { href: "/admin", "data-link": true }, "← ", t("admin_title"))),
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("networks_title")), h("p", { class: "lead" }, t("networks_intro")))),
		h(
			"div",
			{ class: "grid-main-side" },
			h(
				"section",
				{ class: "card card-flush", id: "network-list" },
				networks.length
					? table(
						[
							[t("col_name"), (n) => h("a", { href: "/network", class: "row-link", onclick: (e) => (e.preventDefault(), open(n)) }, n.name)],
							[t("network_locality"), (n) => n.locality || "–"],
							[t("members"), (n) => String(n.counts?.members ?? "–")],
							[t("target_groups"), (n) => String(n.counts?.target_groups ?? "–")],
						],
						networks,
						{ rowAttrs: (n) => ({ dataset: { id: n.id } }) },
					)
					: h("p", { class: "empty" }, t("networks_none")),
			),
			h("section", { class: "card", "aria-labelledby": "network-new-h" }, h("h2", { id: "network-new-h" }, t("network_new")), form),
		),
	);
	return {};
}
