// The audit log for auditors (and admins): who read or changed what, when and from where.
// Find who read a case by its pseudonym, filter by account, period and kind of entry, and
// export what is shown as CSV.
import * as api from "../api.js";
import { h, fill, field, select, table, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText } from "../main.js";
import { downloadCsv } from "../csv.js";

// Kinds of entries to filter by, as lists of actions (GET /v1/audit?action=).
const KINDS = {
	reads: ["case.read", "case.progress_read", "referral.read", "referral.events_read", "case.list", "consent.list", "referral.list"],
	logins: ["auth.login", "auth.login_failed", "auth.logout", "account.password_change", "account.password_change_failed"],
	accounts: ["account.create", "account.update", "account.password_change", "token.create", "token.revoke"],
};

// The most entries one page shows, and an export holds.
const PAGE = 100;
const EXPORT_MAX = 10000;

export function actionLabel(action) {
	const key = `audit_${action.replaceAll(".", "_")}`;
	const text = t(key);
	return text === key ? action : text;
}

// A datetime-local value ("2025-03-01T09:30") as an RFC 3339 time in UTC, or "".
function toApiTime(local) {
	if (!local) return "";
	const d = new Date(local);
	return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

// An RFC 3339 time as local "YYYY-MM-DD HH:MM:SS", which spreadsheets read as a date and time.
function sheetTime(iso) {
	const d = new Date(iso);
	const p = (n) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export async function auditView(main) {
	const params = new URLSearchParams(location.search);
	const accounts = await api.all("/v1/accounts").catch(() => []);
	const nodes = await api.nodes();
	const byLogin = new Map(accounts.map((a) => [a.login, a]));

	const reference = h("input", { name: "case_reference", id: "audit-case", maxlength: 64, value: params.get("case") || "", autocomplete: "off" });
	const login = h("input", { name: "login", id: "audit-login", list: "audit-logins", value: params.get("login") || "", autocomplete: "off" });
	const logins = h("datalist", { id: "audit-logins" }, accounts.map((a) => h("option", { value: a.login }, `${a.display_name} (${t(`role_${a.role}`)})`)));
	const from = h("input", { name: "since", id: "audit-from", type: "datetime-local", value: params.get("from") || "" });
	const to = h("input", { name: "until", id: "audit-to", type: "datetime-local", value: params.get("to") || "" });
	const kind = select(
		"kind",
		[
			["", t("audit_kind_all")],
			["reads", t("audit_kind_reads")],
			["logins", t("audit_kind_logins")],
			["accounts", t("audit_kind_accounts")],
		],
		params.get("kind") || "",
		{ id: "audit-kind" },
	);
	const error = h("div", { class: "form-error", role: "alert" });
	const results = h("div", { id: "audit-results", "aria-live": "polite" });

	// The filters as the API takes them, or null after saying what is wrong.
	function query() {
		error.textContent = "";
		login.removeAttribute("aria-invalid");
		const q = { case_reference: reference.value.trim(), since: toApiTime(from.value), until: toApiTime(to.value), action: (KINDS[kind.value] || []).join(",") };
		const name = login.value.trim();
		if (name) {
			const account = byLogin.get(name);
			if (!account) {
				login.setAttribute("aria-invalid", "true");
				error.textContent = t("audit_no_such_login", { login: name });
				return null;
			}
			q.account_id = account.id;
		}
		if (q.since && q.until && q.since >= q.until) {
			error.textContent = t("period_reversed");
			return null;
		}
		return q;
	}

	const cols = [
		[t("audit_at"), (e) => h("time", { datetime: e.at }, fmtDate(e.at, true))],
		[
			t("audit_who"),
			(e) =>
				e.account_login
					? h("div", {}, h("strong", {}, e.account_name || e.account_login), h("div", { class: "muted small" }, e.account_login))
					: h("span", { class: "muted" }, t("audit_system")),
		],
		[t("audit_node"), (e) => e.node_name || "–"],
		[t("audit_action"), (e) => actionLabel(e.action)],
		[
			t("audit_object"),
			(e) =>
				e.case_reference
					? h("span", {}, t("audit_case", { ref: e.case_reference }), e.object_type === "referral" ? h("span", { class: "muted small" }, ` · ${t("audit_via_referral")}`) : null)
					: e.object_type
						? h("span", { class: "muted small" }, `${e.object_type} ${e.object_id ? e.object_id.slice(0, 8) : ""}`)
						: "–",
		],
		[t("audit_from"), (e) => h("span", { class: "small" }, e.client_addr || "–")],
	];

	// Who read the case, once per account: how often, first and last time.
	function readers(entries) {
		const reads = entries.filter((e) => KINDS.reads.includes(e.action));
		const by = new Map();
		for (const e of reads) {
			const key = e.account_id || "";
			const r = by.get(key) || { entry: e, n: 0, first: e.at, last: e.at };
			r.n += 1;
			if (e.at < r.first) r.first = e.at;
			if (e.at > r.last) r.last = e.at;
			by.set(key, r);
		}
		return [...by.values()].sort((a, b) => (a.last < b.last ? 1 : -1));
	}

	async function search() {
		const q = query();
		if (!q) return;
		const shown = { case: reference.value.trim(), login: login.value.trim(), from: from.value, to: to.value, kind: kind.value };
		history.replaceState(null, "", `/audit${api.qs(shown)}`);
		fill(results, h("p", { class: "loading" }, t("loading")));
		let page;
		let entries;
		try {
			if (q.case_reference) {
				entries = await api.all(`/v1/audit${api.qs(q)}`, 2000);
				page = { next: null };
			} else {
				page = await api.get(`/v1/audit${api.qs({ ...q, limit: PAGE })}`);
				entries = page.items;
			}
		} catch (e) {
			return fill(results, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
		}
		const list = h("tbody");
		const tableEl = table(cols, [], { class: "wrap audit", rowAttrs: () => ({}) });
		tableEl.replaceChild(list, tableEl.querySelector("tbody"));
		const addRows = (items) => {
			for (const e of items) list.append(h("tr", { dataset: { action: e.action, login: e.account_login || "", case: e.case_reference || "" } }, cols.map(([, cell]) => h("td", {}, cell(e)))));
		};
		addRows(entries);
		let next = page.next;
		const more = h(
			"button",
			{
				class: "btn",
				type: "button",
				id: "audit-more",
				hidden: !next,
				onclick: async () => {
					try {
						const p = await api.get(`/v1/audit${api.qs({ ...q, limit: PAGE, after: next })}`);
						addRows(p.items);
						entries.push(...p.items);
						next = p.next;
						more.hidden = !next;
						count.textContent = t(next ? "audit_count_more" : "audit_count", { n: entries.length });
					} catch (e) {
						announce(errorText(e), "error");
					}
				},
			},
			t("audit_more"),
		);
		const count = h("p", { class: "result-count", id: "audit-count" }, t(next ? "audit_count_more" : "audit_count", { n: entries.length }));
		const summary = q.case_reference
			? h(
				"section",
				{ class: "card", id: "audit-readers", "aria-labelledby": "readers-h" },
				h("h2", { id: "readers-h" }, t("audit_readers_title", { ref: q.case_reference })),
				readers(entries).length
					? h(
						"ul",
						{ class: "readers" },
						readers(entries).map((r) =>
							h(
								"li",
								{ dataset: { login: r.entry.account_login || "" } },
								h("strong", {}, r.entry.account_name || r.entry.account_login || t("audit_system")),
								r.entry.node_name ? ` (${r.entry.node_name})` : "",
								" – ",
								t("audit_read_times", { n: r.n, first: fmtDate(r.first, true), last: fmtDate(r.last, true) }),
							),
						),
					)
					: h("p", { class: "empty" }, t("audit_no_reads")),
			)
			: null;
		fill(results,
			summary,
			count,
			entries.length ? h("section", { class: "card card-flush" }, h("div", { class: "table-scroll" }, tableEl)) : h("p", { class: "empty" }, t("audit_none")),
			h("p", {}, more),
		);
	}

	async function exportCsv() {
		const q = query();
		if (!q) return;
		try {
			const entries = await api.all(`/v1/audit${api.qs(q)}`, EXPORT_MAX);
			downloadCsv(
				t("audit_filename"),
				[
					[t("audit_at"), (e) => sheetTime(e.at)],
					[t("login_name"), (e) => e.account_login || ""],
					[t("col_name"), (e) => e.account_name || ""],
					[t("audit_node"), (e) => e.node_name || nodes.get(e.node_id)?.name || ""],
					[t("audit_action"), (e) => actionLabel(e.action)],
					[t("audit_action_code"), (e) => e.action],
					[t("audit_object_type"), (e) => e.object_type || ""],
					[t("audit_object_id"), (e) => e.object_id || ""],
					[t("audit_case_col"), (e) => e.case_reference || ""],
					[t("audit_from"), (e) => e.client_addr || ""],
					[t("audit_request"), (e) => e.request_id || ""],
					[t("audit_detail"), (e) => (e.detail ? JSON.stringify(e.detail) : "")],
				],
				entries,
			);
			if (entries.length >= EXPORT_MAX) announce(t("audit_export_cut", { n: EXPORT_MAX }), "warn");
		} catch (e) {
			announce(errorText(e), "error");
		}
	}

	fill(main,
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t("audit_title")), h("p", { class: "lead" }, t("audit_intro"))),
			h("button", { class: "btn", type: "button", id: "audit-csv", onclick: exportCsv }, t("csv")),
		),
		h(
			"form",
			{
				class: "card audit-filter",
				id: "audit-form",
				role: "search",
				onsubmit: (e) => {
					e.preventDefault();
					search();
				},
			},
			field(t("audit_case_ref"), reference, t("audit_case_hint")),
			field(t("login_name"), login),
			logins,
			field(t("audit_since"), from),
			field(t("audit_until"), to),
			field(t("audit_kind"), kind),
			h(
				"div",
				{ class: "actions" },
				h("button", { class: "btn btn-primary", type: "submit", id: "audit-search" }, t("dir_search")),
				h("a", { class: "btn", href: "/audit", "data-link": true, id: "audit-reset" }, t("audit_reset")),
			),
			error,
		),
		results,
	);
	await search();
	return {};
}
