// Admins keep the accounts: create one (with a start password its owner must replace at the
// first login), change name and role, disable, reset a password; and the integration tokens
// of an account (limited to the scopes of its role, shown once).
import * as api from "../api.js";
import { h, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, navigate, session } from "../main.js";
import { showFormError, clearErrors } from "../forms.js";

const ROLES = ["caseworker", "coordinator", "auditor", "admin"];

// The scopes an integration token of each role may hold (the API checks the same:
// docs/architecture.md, "Accounts and tokens").
export const ROLE_SCOPES = {
	caseworker: ["cases:read", "cases:write", "referrals:read", "referrals:write", "events:read", "webhooks:write", "directory:read", "directory:write", "chains:read"],
	coordinator: ["stats:read", "chains:read", "chains:write", "directory:read", "directory:write"],
	auditor: ["audit:read", "directory:read"],
	admin: [],
};

// A start password people can read aloud: 16 letters and digits without 0/O, 1/l/I.
function startPassword() {
	const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return [...bytes].map((b) => chars[b % chars.length]).join("");
}

function statusBadges(a) {
	return h(
		"span",
		{ class: "status-cell" },
		a.disabled ? badge(t("account_disabled"), "bad") : badge(t("account_active"), "ok"),
		a.must_change_password ? badge(t("account_must_change"), "warn") : null,
	);
}

// Where the account works: a caseworker's node, a coordinator's networks.
function placeOf(a, nodes, networks) {
	if (a.node_id) return nodes.get(a.node_id)?.name || a.node_id;
	if (a.network_ids && a.network_ids.length) return a.network_ids.map((id) => networks.find((n) => n.id === id)?.name || id).join(", ");
	return "–";
}

// Role, node and networks: the node only for caseworkers, the networks only for coordinators.
function roleInputs(a, nodes, networks) {
	const role = select("role", ROLES.map((r) => [r, t(`role_${r}`)]), a?.role || "caseworker");
	const activeNodes = [...nodes.values()].filter((n) => n.active !== false || n.id === a?.node_id).sort((x, y) => x.name.localeCompare(y.name, "de"));
	const node = select("node_id", [["", t("account_pick_node")], ...activeNodes.map((n) => [n.id, n.name])], a?.node_id || "");
	const boxes = networks.map((n) =>
		h("input", { type: "checkbox", name: "network_ids", value: n.id, id: `net-${a ? a.id : "new"}-${n.id}`, checked: (a?.network_ids || []).includes(n.id) }),
	);
	const nodeField = field(t("account_node"), node, t("account_node_hint"));
	const networksField = h(
		"fieldset",
		{ class: "checklist-set" },
		h("legend", {}, t("account_networks")),
		h(
			"div",
			{ class: "checklist" },
			boxes.map((box, i) => h("div", { class: "field-check" }, box, h("label", { for: box.id }, networks[i].name))),
		),
	);
	const sync = () => {
		nodeField.hidden = role.value !== "caseworker";
		networksField.hidden = role.value !== "coordinator";
	};
	role.addEventListener("change", sync);
	sync();
	return {
		fields: [field(t("col_role"), role), nodeField, networksField],
		value() {
			return {
				role: role.value,
				node_id: role.value === "caseworker" ? node.value || null : null,
				network_ids: role.value === "coordinator" ? boxes.filter((b) => b.checked).map((b) => b.value) : [],
			};
		},
	};
}

// A start password with a button that proposes one, and whether it must be replaced.
function passwordInputs(prefix) {
	const password = h("input", { name: "password", type: "text", required: true, minlength: 12, maxlength: 1024, autocomplete: "off", id: `${prefix}-password` });
	const propose = h("button", { class: "btn btn-small", type: "button", id: `${prefix}-propose`, onclick: () => (password.value = startPassword()) }, t("account_propose"));
	const mustChange = h("input", { type: "checkbox", name: "must_change_password", id: `${prefix}-must-change`, checked: true });
	return {
		fields: [
			h("div", { class: "field" }, h("label", { for: password.id }, t("account_start_password")), h("div", { class: "input-row" }, password, propose), h("p", { class: "hint" }, t("account_start_password_hint"))),
			h("div", { class: "field field-check" }, mustChange, h("label", { for: mustChange.id }, t("account_must_change_label"))),
		],
		value: () => ({ password: password.value, must_change_password: mustChange.checked }),
	};
}

export async function accountsView(main) {
	const [accounts, nodes, networks] = await Promise.all([api.all("/v1/accounts"), api.nodes(), api.all("/v1/networks")]);
	const params = new URLSearchParams(location.search);
	const roleFilter = select("role", [["", t("dir_any")], ...ROLES.map((r) => [r, t(`role_${r}`)])], params.get("role") || "", { id: "account-role-filter" });
	const text = h("input", { type: "search", name: "q", id: "account-q", value: params.get("q") || "" });
	const listBox = h("div", { id: "account-list" });

	function drawList() {
		const q = text.value.trim().toLowerCase();
		const shown = accounts.filter(
			(a) => (!roleFilter.value || a.role === roleFilter.value) && (!q || a.login.includes(q) || a.display_name.toLowerCase().includes(q)),
		);
		history.replaceState(null, "", `/admin/accounts${api.qs({ role: roleFilter.value, q: text.value.trim() })}`);
		fill(listBox,
			h("p", { class: "result-count" }, t("accounts_count", { n: shown.length })),
			h(
				"section",
				{ class: "card card-flush" },
				table(
					[
						[t("login_name"), (a) => h("a", { href: `/admin/accounts/${a.id}`, "data-link": true, class: "row-link" }, a.login)],
						[t("col_name"), (a) => a.display_name],
						[t("col_role"), (a) => t(`role_${a.role}`)],
						[t("account_place"), (a) => placeOf(a, nodes, networks)],
						[t("col_status"), statusBadges],
					],
					shown,
					{ class: "clickable", rowAttrs: (a) => ({ dataset: { login: a.login } }) },
				),
			),
		);
	}
	roleFilter.addEventListener("change", drawList);
	text.addEventListener("input", drawList);

	const login = h("input", { name: "login", required: true, maxlength: 64, pattern: "[a-z0-9][a-z0-9._\\-]{2,63}", autocomplete: "off" });
	const displayName = h("input", { name: "display_name", required: true, maxlength: 200 });
	const roles = roleInputs(null, nodes, networks);
	const password = passwordInputs("new-account");
	const form = h(
		"form",
		{
			id: "account-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = { login: login.value.trim(), display_name: displayName.value.trim(), ...roles.value(), ...password.value() };
				if (body.node_id === null) delete body.node_id;
				try {
					const created = await api.post("/v1/accounts", body);
					navigate(`/admin/accounts/${created.id}?created=1`);
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		field(t("login_name"), login, t("account_login_hint")),
		field(t("account_display_name"), displayName),
		roles.fields,
		password.fields,
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "account-create" }, t("account_create")),
	);

	fill(main,
		h("p", { class: "crumbs" }, h("a", { href: "/admin", "data-link": true }, "← ", t("admin_title"))),
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("accounts_title")), h("p", { class: "lead" }, t("accounts_intro")))),
		h(
			"div",
			{ class: "grid-main-side" },
			h("div", {}, h("div", { class: "card filter-inline" }, field(t("col_role"), roleFilter), field(t("account_search"), text)), listBox),
			h("section", { class: "card", "aria-labelledby": "account-new-h" }, h("h2", { id: "account-new-h" }, t("account_new")), form),
		),
	);
	drawList();
	return {};
}

export async function accountView(main, id) {
	const [nodes, networks] = await Promise.all([api.nodes(), api.all("/v1/networks")]);
	let account, tokens;
	let shownToken = null; // a token just made: shown once
	const justCreated = new URLSearchParams(location.search).get("created") === "1";

	async function load() {
		[account, tokens] = await Promise.all([api.get(`/v1/accounts/${id}`), api.all(`/v1/accounts/${id}/tokens`)]);
	}

	async function reload(message, kind) {
		await load();
		draw();
		if (message) announce(message, kind);
	}

	function editCard() {
		const displayName = h("input", { name: "display_name", required: true, maxlength: 200, value: account.display_name });
		const roles = roleInputs(account, nodes, networks);
		const form = h(
			"form",
			{
				id: "account-edit",
				class: "stack",
				onsubmit: async (e) => {
					e.preventDefault();
					clearErrors(form);
					try {
						await api.patch(`/v1/accounts/${id}`, { display_name: displayName.value.trim(), ...roles.value() }, { ifMatch: account.version });
						await reload(t("account_saved"));
					} catch (err) {
						showFormError(form, err);
					}
				},
			},
			field(t("account_display_name"), displayName),
			roles.fields,
			h("div", { class: "form-error", role: "alert" }),
			h("button", { class: "btn btn-primary", type: "submit", id: "account-save" }, t("save")),
		);
		return h("section", { class: "card", "aria-labelledby": "acc-edit-h" }, h("h2", { id: "acc-edit-h" }, t("account_edit")), form);
	}

	function accessCard() {
		const self = session.me && session.me.id === id;
		const password = passwordInputs("reset");
		const reset = h(
			"form",
			{
				id: "password-reset",
				class: "stack",
				onsubmit: async (e) => {
					e.preventDefault();
					clearErrors(reset);
					if (!confirm(t("account_reset_confirm", { login: account.login }))) return;
					try {
						await api.patch(`/v1/accounts/${id}`, password.value(), { ifMatch: account.version });
						await reload(t("account_reset_done", { login: account.login }));
					} catch (err) {
						showFormError(reset, err);
					}
				},
			},
			password.fields,
			h("div", { class: "form-error", role: "alert" }),
			h("button", { class: "btn", type: "submit", id: "password-reset-submit" }, t("account_reset")),
		);
		const toggle = h(
			"button",
			{
				class: account.disabled ? "btn" : "btn btn-danger-quiet",
				type: "button",
				id: "account-toggle",
				disabled: self,
				onclick: async () => {
					if (!account.disabled && !confirm(t("account_disable_confirm", { login: account.login }))) return;
					try {
						await api.patch(`/v1/accounts/${id}`, { disabled: !account.disabled }, { ifMatch: account.version });
						await reload(account.disabled ? t("account_enabled_done") : t("account_disabled_done"));
					} catch (err) {
						announce(errorText(err), "error");
					}
				},
			},
			account.disabled ? t("account_enable") : t("account_disable"),
		);
		return h(
			"section",
			{ class: "card", "aria-labelledby": "acc-access-h" },
			h("h2", { id: "acc-access-h" }, t("account_access")),
			h("p", {}, account.disabled ? t("account_disabled_text") : t("account_enabled_text")),
			h("p", {}, toggle),
			self ? h("p", { class: "hint" }, t("account_self_hint")) : null,
			h("h3", {}, t("account_reset_title")),
			h("p", { class: "hint" }, t("account_reset_text")),
			reset,
		);
	}

	function tokensCard() {
		const scopes = ROLE_SCOPES[account.role] || [];
		const label = h("input", { name: "label", required: true, maxlength: 100 });
		const days = h("input", { name: "expires_in_days", type: "number", min: 1, max: 730, value: 365 });
		const boxes = scopes.map((s) => h("input", { type: "checkbox", name: "scopes", value: s, id: `scope-${s.replace(":", "-")}` }));
		const form = h(
			"form",
			{
				id: "token-form",
				class: "add-form",
				onsubmit: async (e) => {
					e.preventDefault();
					clearErrors(form);
					try {
						const made = await api.post(`/v1/accounts/${id}/tokens`, {
							label: label.value.trim(),
							scopes: boxes.filter((b) => b.checked).map((b) => b.value),
							expires_in_days: Number(days.value),
						});
						shownToken = made;
						await reload(t("token_created"));
					} catch (err) {
						showFormError(form, err);
					}
				},
			},
			h("h3", {}, t("token_new")),
			h("div", { class: "grid-form" }, field(t("token_label"), label, t("token_label_hint")), field(t("token_days"), days)),
			h(
				"fieldset",
				{ class: "checklist-set" },
				h("legend", {}, t("token_scopes")),
				h(
					"div",
					{ class: "checklist" },
					boxes.map((b) => h("div", { class: "field-check" }, b, h("label", { for: b.id }, h("code", {}, b.value), " ", t(`scope_${b.value.replace(":", "_")}`)))),
				),
			),
			h("div", { class: "form-error", role: "alert" }),
			h("button", { class: "btn btn-primary", type: "submit", id: "token-create" }, t("token_create")),
		);
		const fresh = shownToken
			? h(
				"div",
				{ class: "notice notice-warn", id: "token-shown", role: "status" },
				h("strong", {}, t("token_once")),
				h("p", {}, h("code", { class: "secret", id: "token-value" }, shownToken.token)),
				h("button", { class: "btn btn-small", type: "button", onclick: () => navigator.clipboard?.writeText(shownToken.token).then(() => announce(t("copied"))) }, t("copy")),
			)
			: null;
		shownToken = null;
		// Integration tokens, and the sessions still open (ended ones say nothing).
		const shownTokens = tokens.filter((tk) => tk.kind === "integration" || (!tk.revoked_at && new Date(tk.expires_at) > new Date()));
		const state = (tk) =>
			tk.revoked_at
				? badge(t("token_revoked"), "muted")
				: new Date(tk.expires_at) < new Date()
					? badge(t("token_expired"), "muted")
					: badge(t("token_valid"), "ok");
		return h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "tokens-h", id: "tokens" },
			h("h2", { id: "tokens-h", class: "card-title" }, t("tokens_title"), " ", h("span", { class: "count" }, String(tokens.filter((tk) => tk.kind === "integration").length))),
			h("div", { class: "card-body" }, fresh, h("p", { class: "hint" }, scopes.length ? t("tokens_intro") : t("tokens_admin"))),
			shownTokens.length === 0
				? h("p", { class: "empty" }, t("tokens_none"))
				: h(
					"div",
					{ class: "table-scroll" },
					table(
						[
							[t("token_label"), (tk) => tk.label || t(`token_kind_${tk.kind}`)],
							[t("token_scopes"), (tk) => (tk.scopes || []).join(", ") || "–"],
							[t("token_created_at"), (tk) => fmtDate(tk.created_at, true)],
							[t("token_expires_at"), (tk) => fmtDate(tk.expires_at)],
							[t("token_last_used"), (tk) => fmtDate(tk.last_used_at, true)],
							[t("col_status"), state],
							[
								"",
								(tk) =>
									!tk.revoked_at
										? h(
											"button",
											{
												class: "btn btn-small btn-danger-quiet",
												type: "button",
												"data-revoke": tk.id,
												onclick: async () => {
													if (!confirm(t("token_revoke_confirm", { label: tk.label || "" }))) return;
													try {
														await api.request("DELETE", `/v1/tokens/${tk.id}`);
														await reload(t("token_revoked_done"));
													} catch (err) {
														announce(errorText(err), "error");
													}
												},
											},
											t("token_revoke"),
										)
										: null,
							],
						],
						shownTokens,
						{ rowAttrs: (tk) => ({ dataset: { id: tk.id, kind: tk.kind } }) },
					),
				),
			scopes.length ? h("div", { class: "card-body" }, form) : null,
		);
	}

	function draw() {
		fill(main,
			h("p", { class: "crumbs" }, h("a", { href: "/admin/accounts", "data-link": true }, "← ", t("accounts_title"))),
			h(
				"div",
				{ class: "page-head" },
				h(
					"div",
					{},
					h("h1", {}, account.display_name),
					h("p", { class: "lead" }, h("code", {}, account.login), " · ", t(`role_${account.role}`), " · ", placeOf(account, nodes, networks), " ", statusBadges(account)),
				),
			),
			justCreated && account.must_change_password ? h("p", { class: "notice", id: "account-created" }, t("account_created_text", { login: account.login })) : null,
			h("div", { class: "grid-2" }, editCard(), accessCard()),
			tokensCard(),
		);
	}

	await load();
	draw();
	return {};
}
