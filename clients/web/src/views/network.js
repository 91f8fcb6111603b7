// The coordinator's network: members and target groups, and overdue referrals.
import * as api from "../api.js";
import { h, fill, table, badge, fmtDate, download } from "../dom.js";
import { t } from "../i18n.js";
import { session } from "../main.js";
import { statusCell } from "./referrals.js";

// The network the coordinator works on (the first one coordinated; admins: the first one).
export async function myNetwork() {
	const networks = await api.all("/v1/networks");
	const ids = session.me.network_ids || [];
	return networks.find((n) => ids.includes(n.id)) || networks[0] || null;
}

export function kindLabel(kind) {
	return t(`kind_${kind}`);
}

// Fetch a CSV (Accept: text/csv) and hand it to the browser as a download.
export async function csvDownload(path, filename) {
	const text = await api.get(path, { accept: "text/csv" });
	download(filename, typeof text === "string" ? text : JSON.stringify(text));
}

function toCsv(columns, rows) {
	const esc = (v) => {
		const s = v === null || v === undefined ? "" : String(v);
		return /[",\n;]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
	};
	return [columns.map(([h]) => esc(h)).join(","), ...rows.map((r) => columns.map(([, f]) => esc(f(r))).join(","))].join("\n") + "\n";
}

export async function networkView(main) {
	const network = await myNetwork();
	if (!network) throw Object.assign(new Error("no network"), { status: 404 });
	const [members, groups] = await Promise.all([
		api.all(`/v1/networks/${network.id}/members`),
		api.all(`/v1/networks/${network.id}/target-groups`),
	]);
	const memberCols = [
		[t("col_name"), (m) => m.node?.name],
		[t("col_kind"), (m) => kindLabel(m.node?.kind)],
		[t("col_district"), (m) => m.node?.district || "–"],
		[t("col_role"), (m) => (m.role === "coordinator" ? t("member_coordinator") : t("member_member"))],
		[t("col_joined"), (m) => fmtDate(m.joined_on)],
		[t("col_agreement"), (m) => (m.agreement_signed_on ? fmtDate(m.agreement_signed_on) : badge(t("no"), "warn"))],
	];
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, network.name), h("p", { class: "lead" }, network.description || ""))),
		h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "tg-h" },
			h("h2", { id: "tg-h", class: "card-title" }, t("target_groups"), " ", h("span", { class: "count" }, String(groups.length))),
			table(
				[
					[t("col_name"), (g) => h("strong", {}, g.name)],
					[t("col_code"), (g) => h("code", {}, g.code)],
					[t("col_criteria"), (g) => g.criteria || "–"],
				],
				groups,
				{ class: "wrap" },
			),
		),
		h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "members-h" },
			h(
				"div",
				{ class: "card-title-row" },
				h("h2", { id: "members-h", class: "card-title" }, t("members"), " ", h("span", { class: "count" }, String(members.length))),
				h(
					"button",
					{
						class: "btn btn-small",
						type: "button",
						id: "members-csv",
						onclick: () => download("mitglieder.csv", toCsv(memberCols.map(([hd, f]) => [hd, (m) => { const v = f(m); return v instanceof Node ? v.textContent : v; }]), members)),
					},
					t("csv"),
				),
			),
			table(memberCols, members, { rowAttrs: (m) => ({ dataset: { node: m.node_id } }) }),
		),
	);
	return {};
}

export async function overdueView(main) {
	const network = await myNetwork();
	const [items, nodes] = await Promise.all([api.all(`/v1/networks/${network.id}/overdue`), api.nodes()]);
	const cols = [
		[t("col_days_overdue"), (r) => h("strong", {}, String(r.days_overdue))],
		[t("col_from"), (r) => nodes.get(r.from_node_id)?.name || r.from_node_id],
		[t("col_to"), (r) => nodes.get(r.to_node_id)?.name || r.to_node_id],
		[t("col_step"), (r) => r.chain_step_key || "–"],
		[t("col_status"), (r) => statusCell({ ...r, overdue: true })],
		[t("col_due"), (r) => fmtDate(r.due_at)],
	];
	const plain = [
		["days_overdue", (r) => r.days_overdue],
		["from", (r) => nodes.get(r.from_node_id)?.name],
		["to", (r) => nodes.get(r.to_node_id)?.name],
		["chain_step_key", (r) => r.chain_step_key],
		["status", (r) => r.status],
		["priority", (r) => r.priority],
		["due_at", (r) => r.due_at],
		["created_at", (r) => r.created_at],
	];
	fill(main,
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t("overdue_title")), h("p", { class: "lead" }, t("overdue_intro"))),
			h("button", { class: "btn", type: "button", id: "overdue-csv", onclick: () => download("ueberfaellig.csv", toCsv(plain, items)) }, t("csv")),
		),
		h("section", { class: "card card-flush" }, items.length ? table(cols, items, { class: "row-overdue-all" }) : h("p", { class: "empty" }, t("overdue_none"))),
	);
	return {};
}
