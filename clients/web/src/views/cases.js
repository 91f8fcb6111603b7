// The caseworker's cases: the list, with where each case's referrals stand (status, decline
// reason, outcome), and the form that opens a new one. One case is views/case.js.
import * as api from "../api.js";
import { h, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { navigate, session } from "../main.js";
import { showProblem } from "../problems.js";
import { feedbackText, statusBadge } from "./referrals.js";
import { dueCell, responsibleCell } from "./team.js";

// The chains of the given networks, by id (for their names).
export async function chainsOf(networkIds) {
	const lists = await Promise.all(networkIds.map((id) => api.all(`/v1/networks/${id}/chains`)));
	return new Map(lists.flat().map((c) => [c.id, c]));
}

// A case's referrals in a list cell: each receiver with its status and what came back.
function referralSummary(list) {
	if (!list || !list.length) return h("span", { class: "muted" }, t("case_no_referrals"));
	return h(
		"ul",
		{ class: "ref-summary" },
		list.slice(0, 4).map((r) => {
			const back = feedbackText(r);
			return h(
				"li",
				{ dataset: { referral: r.id, status: r.status } },
				h("a", { href: `/referrals/${r.id}`, "data-link": true }, api.nodeName(r.to_node_id)),
				" ",
				statusBadge(r.status, "sender"),
				back ? h("span", { class: "muted small" }, ` ${back}`) : null,
			);
		}),
		list.length > 4 ? h("li", { class: "muted small" }, t("case_more_referrals", { n: list.length - 4 })) : null,
	);
}

export async function casesView(main) {
	const networkIds = await api.memberNetworks(session.me.node_id);
	const [groups, chains, referrals] = await Promise.all([
		api.targetGroups(networkIds),
		chainsOf(networkIds),
		api.all("/v1/referrals?box=outbox", 5000),
		api.nodes(),
	]);
	let byCase = byCaseOf(referrals);
	let status = "open";
	// "My cases" (responsible, deputy, standing in) first; all of the node one click away.
	let scope = "mine";
	const list = h("div", { id: "case-list", "aria-live": "polite" });

	let loads = 0;
	async function load() {
		const seq = ++loads;
		const cases = await api.all(`/v1/cases${api.qs({ status: status === "all" ? null : status, scope })}`);
		// Only the latest load draws: a filter chosen meanwhile wins over an earlier one.
		if (seq !== loads) return;
		fill(list,
			cases.length
				? table(
					[
						[t("case_reference"), (c) => h("a", { href: `/cases/${c.id}`, "data-link": true, class: "row-link" }, c.reference)],
						[t("case_target_group"), (c) => groups.get(c.target_group_id)?.name || "–"],
						[t("team_responsible"), responsibleCell],
						[t("fu_next"), (c) => dueCell(c.next_follow_up_on)],
						[t("case_chain"), (c) => (c.chain_id ? chains.get(c.chain_id)?.name || t("case_chain_version", { n: c.chain_version }) : t("case_not_enrolled"))],
						[t("case_referrals_col"), (c) => referralSummary(byCase.get(c.id))],
						[t("case_opened"), (c) => fmtDate(c.opened_at)],
						[
							t("col_status"),
							(c) =>
								h(
									"span",
									{ class: "status-cell" },
									badge(t(`case_status_${c.status}`), c.status === "open" ? "ok" : "muted"),
									c.close_reason ? h("span", { class: "muted small" }, t(`cr_${c.close_reason}`)) : null,
								),
						],
					],
					cases,
					{ class: "clickable", rowAttrs: (c) => ({ dataset: { id: c.id, status: c.status } }) },
				)
				: h("p", { class: "empty" }, t(scope === "mine" && status !== "closed" ? "team_mine_empty" : status === "closed" ? "cases_empty_closed" : "cases_empty")),
		);
		for (const tr of list.querySelectorAll("tbody tr")) tr.addEventListener("click", (e) => !e.target.closest("a, button") && tr.querySelector("a.row-link").click());
	}

	const tabBar = h(
		"div",
		{ class: "segmented", role: "group", "aria-label": t("filter_status") },
		[
			["open", t("filter_cases_open")],
			["closed", t("filter_cases_closed")],
			["all", t("filter_all")],
		].map(([key, text]) =>
			h(
				"button",
				{
					type: "button",
					class: "seg",
					dataset: { filter: key },
					"aria-pressed": String(key === status),
					onclick: (e) => {
						status = key;
						for (const b of tabBar.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
						load();
					},
				},
				text,
			),
		),
	);

	const scopeBar = h(
		"div",
		{ class: "segmented", role: "group", "aria-label": t("team_scope"), id: "case-scope" },
		[
			["mine", t("team_scope_mine")],
			["node", t("team_scope_node")],
		].map(([key, text]) =>
			h(
				"button",
				{
					type: "button",
					class: "seg",
					dataset: { scope: key },
					"aria-pressed": String(key === scope),
					onclick: (e) => {
						scope = key;
						for (const b of scopeBar.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
						load();
					},
				},
				text,
			),
		),
	);

	const choices = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
	const reference = h("input", { name: "reference", id: "case-reference", required: true, maxlength: 64, autocomplete: "off" });
	const group = select("target_group_id", [["", t("choose")], ...choices.map((g) => [g.id, g.name])], choices.length === 1 ? choices[0].id : "", { required: true, id: "case-target-group" });
	const district = h("input", { name: "district", id: "case-district", maxlength: 100 });
	const form = h(
		"form",
		{
			id: "case-form",
			class: "grid-form case-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					const body = { reference: reference.value.trim(), target_group_id: group.value };
					if (district.value.trim()) body.district = district.value.trim();
					const c = await api.post("/v1/cases", body);
					navigate(`/cases/${c.id}`);
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("case_reference"), reference, t("case_reference_hint")),
		field(t("case_target_group"), group),
		field(t("case_district"), district),
		h("div", { class: "form-error span-all", role: "alert" }),
		h("div", { class: "actions span-all" }, h("button", { class: "btn btn-primary", type: "submit" }, t("case_create"))),
	);
	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("cases_title")), h("p", { class: "lead" }, t("cases_intro")))),
		h("section", { class: "card", "aria-labelledby": "new-case-h" }, h("h2", { id: "new-case-h" }, t("case_new")), form),
		h("div", { class: "list-head" }, h("h2", { id: "case-list-h" }, t("cases_list")), scopeBar, tabBar),
		h("section", { class: "card card-flush", "aria-labelledby": "case-list-h" }, list),
	);
	await load();
	return {
		// Where the referrals stand changes live: read the outbox again.
		onLive: (type, data) => {
			if (type === "case.responsible_changed") return load();
			if (data.from_node_id && data.from_node_id !== session.me.node_id) return;
			api.all("/v1/referrals?box=outbox", 5000).then((items) => {
				byCase = byCaseOf(items);
				return load();
			}, () => {});
		},
	};
}

// Referrals by case id.
function byCaseOf(referrals) {
	const map = new Map();
	for (const r of referrals) {
		if (!map.has(r.case_id)) map.set(r.case_id, []);
		map.get(r.case_id).push(r);
	}
	return map;
}
