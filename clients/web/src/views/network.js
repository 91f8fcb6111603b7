// The coordinator's network: its settings, its members (with their cooperation agreement and
// agreed days to accept; added, changed, deactivated and brought back) and its target groups
// (added and changed); and the overdue referrals.
import * as api from "../api.js";
import { h, fill, field, select, table, badge, fmtDate, download, isoDay } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, session } from "../main.js";
import { chosenNetwork, forgetNetworks } from "../networks.js";
import { downloadCsv } from "../csv.js";
import { showFormError, clearErrors, valueOrNull, numberOrNull } from "../forms.js";
import { statusCell } from "./referrals.js";

// The network the coordinator works on (chosen in the header; see networks.js).
export async function myNetwork() {
	return chosenNetwork(session.me);
}

// The page of a coordinator without a network (or an admin before the first one exists).
export function noNetwork(main) {
	fill(main,
		h(
			"section",
			{ class: "notice", id: "no-network" },
			h("h1", {}, t("no_network_title")),
			h("p", {}, t(session.me?.role === "admin" ? "no_network_admin" : "no_network_text")),
		),
	);
	return {};
}

export function kindLabel(kind) {
	return t(`kind_${kind}`);
}

// Fetch an export of the API (its bytes as they come: the byte-order mark stays) and hand it
// to the browser as a download.
export async function csvDownload(path, filename) {
	const blob = await api.get(path, { accept: "text/csv", blob: true });
	download(filename, blob, "text/csv;charset=utf-8");
}

const submitButton = (text, id) => h("button", { class: "btn btn-primary", type: "submit", id }, text);
const errorBox = () => h("div", { class: "form-error", role: "alert" });

// The network's own settings: name, locality, description, default days to accept.
function settingsCard(network, reload) {
	const name = h("input", { name: "name", required: true, maxlength: 200, value: network.name });
	const locality = h("input", { name: "locality", required: true, maxlength: 200, value: network.locality || "" });
	const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 }, network.description || "");
	const days = h("input", { name: "default_days_to_accept", type: "number", min: 1, max: 90, required: true, value: network.default_days_to_accept });
	const form = h(
		"form",
		{
			id: "network-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.patch(
						`/v1/networks/${network.id}`,
						{ name: name.value.trim(), locality: locality.value.trim(), description: valueOrNull(description), default_days_to_accept: Number(days.value) },
						{ ifMatch: network.version },
					);
					forgetNetworks();
					announce(t("network_saved"));
					await reload();
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		h("div", { class: "grid-form" }, field(t("network_name"), name), field(t("network_locality"), locality), field(t("network_default_days"), days, t("network_default_days_hint"))),
		field(t("network_description"), description),
		errorBox(),
		submitButton(t("save"), "network-save"),
	);
	return h("section", { class: "card", "aria-labelledby": "settings-h" }, h("h2", { id: "settings-h" }, t("network_settings")), form);
}

// A form for a membership's terms; m is the membership or null for a new one.
function memberForm(network, m, candidates, done, cancel) {
	const node = m
		? null
		: select("node_id", [["", t("member_pick_node")], ...candidates.map((n) => [n.id, `${n.name}${n.district ? ` (${n.district})` : ""}`])], "", { required: true });
	const role = select("role", [["member", t("member_member")], ["coordinator", t("member_coordinator")]], m ? m.role : "member");
	const joined = h("input", { name: "joined_on", type: "date", value: m ? m.joined_on : isoDay() });
	const agreement = h("input", { name: "agreement_signed_on", type: "date", value: m?.agreement_signed_on || "" });
	const days = h("input", {
		name: "days_to_accept",
		type: "number",
		min: 1,
		max: 90,
		value: m?.days_to_accept ?? "",
		placeholder: t("member_days_default", { n: network.default_days_to_accept }),
	});
	const active = m ? h("input", { type: "checkbox", name: "active", checked: m.active, id: `member-active-${m.node_id}` }) : null;
	const form = h(
		"form",
		{
			class: "add-form member-form",
			id: m ? "member-edit" : "member-add",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = { role: role.value, joined_on: joined.value || undefined, agreement_signed_on: agreement.value || null, days_to_accept: numberOrNull(days) };
				try {
					if (m) {
						body.active = active.checked;
						await api.patch(`/v1/networks/${network.id}/members/${m.node_id}`, body, { ifMatch: m.version });
					} else {
						body.node_id = node.value;
						await api.post(`/v1/networks/${network.id}/members`, body);
					}
					await done(m ? t("member_saved") : t("member_added"));
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		h("h3", {}, m ? t("member_edit_title", { name: m.node?.name || m.node_id }) : t("member_add_title")),
		h(
			"div",
			{ class: "grid-form" },
			node ? field(t("member_node"), node) : null,
			field(t("col_role"), role),
			field(t("col_joined"), joined),
			field(t("member_agreement_on"), agreement, t("member_agreement_hint")),
			field(t("member_days"), days, t("member_days_hint")),
		),
		active ? h("div", { class: "field field-check" }, active, h("label", { for: active.id }, t("member_active_label"))) : null,
		errorBox(),
		h(
			"div",
			{ class: "actions" },
			submitButton(m ? t("save") : t("member_add"), m ? "member-save" : "member-add-submit"),
			cancel ? h("button", { class: "btn", type: "button", onclick: cancel }, t("cancel")) : null,
		),
	);
	return form;
}

// A form for a target group; g is the group or null for a new one.
function groupForm(network, g, done, cancel) {
	const code = h("input", { name: "code", required: true, maxlength: 64, pattern: "[a-z][a-z0-9_\\-]{0,63}", value: g ? g.code : "" });
	const name = h("input", { name: "name", required: true, maxlength: 200, value: g ? g.name : "" });
	const criteria = h("textarea", { name: "criteria", rows: 3, maxlength: 4000 }, g?.criteria || "");
	const form = h(
		"form",
		{
			class: "add-form",
			id: g ? "group-edit" : "group-add",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = { code: code.value.trim(), name: name.value.trim(), criteria: valueOrNull(criteria) };
				try {
					if (g) await api.patch(`/v1/target-groups/${g.id}`, body, { ifMatch: g.version });
					else await api.post(`/v1/networks/${network.id}/target-groups`, body);
					await done(g ? t("group_saved") : t("group_added"));
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		h("h3", {}, g ? t("group_edit_title", { name: g.name }) : t("group_add_title")),
		h("div", { class: "grid-form" }, field(t("col_code"), code, t("group_code_hint")), field(t("col_name"), name)),
		field(t("col_criteria"), criteria),
		errorBox(),
		h(
			"div",
			{ class: "actions" },
			submitButton(g ? t("save") : t("group_add"), g ? "group-save" : "group-add-submit"),
			cancel ? h("button", { class: "btn", type: "button", onclick: cancel }, t("cancel")) : null,
		),
	);
	return form;
}

export async function networkView(main) {
	const state = { editingMember: null, editingGroup: null, showFormer: false };
	let network, members, groups, nodes;

	async function load() {
		network = await myNetwork();
		[network, members, groups, nodes] = await Promise.all([
			api.get(`/v1/networks/${network.id}`),
			api.all(`/v1/networks/${network.id}/members`),
			api.all(`/v1/networks/${network.id}/target-groups`),
			api.nodes(),
		]);
	}

	async function reload(message) {
		await load();
		state.editingMember = null;
		state.editingGroup = null;
		draw();
		if (message) announce(message);
	}

	function membersCard() {
		const shown = members.filter((m) => m.active || state.showFormer);
		const memberIds = new Set(members.map((m) => m.node_id));
		const candidates = [...nodes.values()].filter((n) => n.active !== false && !memberIds.has(n.id)).sort((a, b) => a.name.localeCompare(b.name, "de"));
		const cols = [
			[
				t("col_name"),
				(m) =>
					h(
						"div",
						{},
						h("strong", {}, m.node?.name || m.node_id),
						m.role === "coordinator" ? [" ", badge(t("member_coordinator"), "info")] : null,
						h("span", { class: "member-meta muted small" }, [kindLabel(m.node?.kind), m.node?.district].filter(Boolean).join(" · ")),
					),
			],
			[t("col_joined"), (m) => fmtDate(m.joined_on)],
			[t("col_agreement"), (m) => (m.agreement_signed_on ? fmtDate(m.agreement_signed_on) : badge(t("member_no_agreement"), "warn"))],
			[t("member_days"), (m) => (m.days_to_accept ? String(m.days_to_accept) : t("member_days_default", { n: network.default_days_to_accept }))],
			[t("col_status"), (m) => (m.active ? badge(t("member_active"), "ok") : badge(t("member_former"), "muted"))],
			[
				"",
				(m) =>
					h(
						"span",
						{ class: "actions" },
						h("button", { class: "btn btn-small", type: "button", "data-edit": m.node_id, onclick: () => ((state.editingMember = m.node_id), draw()) }, t("edit")),
						m.active
							? h(
								"button",
								{
									class: "btn btn-small btn-danger-quiet",
									type: "button",
									"data-deactivate": m.node_id,
									onclick: async () => {
										if (!confirm(t("member_deactivate_confirm", { name: m.node?.name || "" }))) return;
										try {
											await api.request("DELETE", `/v1/networks/${network.id}/members/${m.node_id}`);
											await reload(t("member_deactivated", { name: m.node?.name || "" }));
										} catch (err) {
											announce(errorText(err), "error");
										}
									},
								},
								t("member_deactivate"),
							)
							: null,
					),
			],
		];
		const editing = state.editingMember ? members.find((m) => m.node_id === state.editingMember) : null;
		const csvCols = [
			[t("col_name"), (m) => m.node?.name],
			[t("col_kind"), (m) => kindLabel(m.node?.kind)],
			[t("col_district"), (m) => m.node?.district || ""],
			[t("col_role"), (m) => (m.role === "coordinator" ? t("member_coordinator") : t("member_member"))],
			[t("col_joined"), (m) => m.joined_on],
			[t("col_agreement"), (m) => m.agreement_signed_on || ""],
			[t("member_days"), (m) => m.days_to_accept ?? ""],
			[t("col_status"), (m) => (m.active ? t("member_active") : t("member_former"))],
		];
		const former = h("input", { type: "checkbox", id: "show-former", checked: state.showFormer });
		former.addEventListener("change", () => ((state.showFormer = former.checked), draw()));
		return h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "members-h", id: "members" },
			h(
				"div",
				{ class: "card-title-row" },
				h("h2", { id: "members-h", class: "card-title" }, t("members"), " ", h("span", { class: "count" }, String(members.filter((m) => m.active).length))),
				h(
					"div",
					{ class: "actions" },
					h("span", { class: "field-check inline-check" }, former, h("label", { for: "show-former" }, t("member_show_former"))),
					h("button", { class: "btn btn-small", type: "button", id: "members-csv", onclick: () => downloadCsv("mitglieder.csv", csvCols, shown) }, t("csv")),
				),
			),
			editing ? h("div", { class: "card-body" }, memberForm(network, editing, [], reload, () => ((state.editingMember = null), draw()))) : null,
			h("div", { class: "table-scroll" }, table(cols, shown, { class: "members", rowAttrs: (m) => ({ dataset: { node: m.node_id, active: String(m.active) } }) })),
			h("div", { class: "card-body" }, memberForm(network, null, candidates, reload, null)),
		);
	}

	function groupsCard() {
		const editing = state.editingGroup ? groups.find((g) => g.id === state.editingGroup) : null;
		return h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "tg-h", id: "target-groups" },
			h("h2", { id: "tg-h", class: "card-title" }, t("target_groups"), " ", h("span", { class: "count" }, String(groups.length))),
			editing ? h("div", { class: "card-body" }, groupForm(network, editing, reload, () => ((state.editingGroup = null), draw()))) : null,
			h(
				"div",
				{ class: "table-scroll" },
				table(
					[
						[t("col_name"), (g) => h("strong", {}, g.name)],
						[t("col_code"), (g) => h("code", {}, g.code)],
						[t("col_criteria"), (g) => g.criteria || "–"],
						["", (g) => h("button", { class: "btn btn-small", type: "button", "data-edit": g.id, onclick: () => ((state.editingGroup = g.id), draw()) }, t("edit"))],
					],
					groups,
					{ class: "wrap", rowAttrs: (g) => ({ dataset: { code: g.code } }) },
				),
			),
			h("div", { class: "card-body" }, groupForm(network, null, reload, null)),
		);
	}

	function draw() {
		fill(main,
			h(
				"div",
				{ class: "page-head" },
				h("div", {}, h("h1", {}, network.name), h("p", { class: "lead" }, [network.locality, network.description].filter(Boolean).join(" · "))),
			),
			membersCard(),
			groupsCard(),
			settingsCard(network, () => reload()),
		);
	}

	if (!(await myNetwork())) return noNetwork(main);
	await load();
	draw();
	return {};
}

export async function overdueView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
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
		[t("col_days_overdue"), (r) => r.days_overdue],
		[t("col_from"), (r) => nodes.get(r.from_node_id)?.name],
		[t("col_to"), (r) => nodes.get(r.to_node_id)?.name],
		[t("col_step"), (r) => r.chain_step_key],
		[t("col_status"), (r) => t(`st_${r.status}`)],
		[t("col_priority"), (r) => r.priority],
		[t("col_due"), (r) => r.due_at],
		[t("referral_created"), (r) => r.created_at],
	];
	fill(main,
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t("overdue_title")), h("p", { class: "lead" }, t("overdue_intro"))),
			h("button", { class: "btn", type: "button", id: "overdue-csv", onclick: () => downloadCsv("ueberfaellig.csv", plain, items) }, t("csv")),
		),
		h("section", { class: "card card-flush" }, items.length ? table(cols, items, { class: "row-overdue-all" }) : h("p", { class: "empty" }, t("overdue_none"))),
	);
	return {};
}
