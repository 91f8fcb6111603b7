// The admin's start page: what there is to administer, each with a line about it.
import { h, fill } from "../dom.js";
import { t } from "../i18n.js";

const AREAS = [
	["/admin/organizations", "orgs_title", "admin_orgs_text", "admin-orgs"],
	["/admin/accounts", "accounts_title", "admin_accounts_text", "admin-accounts"],
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
