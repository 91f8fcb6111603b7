// A case's consents (Einwilligungen): who they cover, until when, where the signed statement
// is kept, and whether they are valid, expired or revoked; recording one and revoking one.
// Without a consent nothing of the case may be shared, and the page says so plainly.
import * as api from "../api.js";
import { h, field, select, table, badge, fmtDate, isoDay } from "../dom.js";
import { t, label } from "../i18n.js";
import { announce, errorText, session } from "../main.js";
import { showProblem } from "../problems.js";

// valid, expired or revoked, in words, with the date that makes it so.
function consentState(k) {
	if (k.revoked_at) return [t("consent_state_revoked", { on: fmtDate(k.revoked_at) }), "muted", "revoked"];
	if (k.active) return [k.expires_on ? t("consent_state_valid_until", { on: fmtDate(k.expires_on) }) : t("consent_state_valid"), "ok", "valid"];
	if (k.expires_on && k.expires_on < isoDay()) return [t("consent_state_expired", { on: fmtDate(k.expires_on) }), "warn", "expired"];
	return [t("consent_state_inactive"), "muted", "inactive"];
}

function recipientText(k) {
	return k.scope === "network" ? t("consent_scope_network") : api.nodeName(k.recipient_node_id);
}

// The consents section of case c; reload(focusSelector) draws the page again.
export async function consentSection(c, consents, reload) {
	const open = c.status === "open";
	const hasValid = consents.some((k) => k.active);
	const list = consents.length
		? table(
			[
				[t("consent_scope"), recipientText],
				[t("consent_purpose"), (k) => k.purpose],
				[t("consent_given"), (k) => fmtDate(k.given_on)],
				[t("consent_expires_col"), (k) => (k.expires_on ? fmtDate(k.expires_on) : t("consent_no_expiry"))],
				[t("consent_evidence"), (k) => k.evidence],
				[
					t("col_status"),
					(k) => {
						const [text, tone] = consentState(k);
						return badge(text, tone);
					},
				],
				[t("col_actions"), (k) => (k.revoked_at ? "" : revokeButton(k, reload))],
			],
			consents,
			{ class: "consent-table", rowAttrs: (k) => ({ dataset: { id: k.id, state: consentState(k)[2] } }) },
		)
		: null;
	return h(
		"section",
		{ class: "card", id: "consents", "aria-labelledby": "consents-h" },
		h("h2", { id: "consents-h", tabindex: "-1" }, t("consents")),
		consents.length ? null : h("p", { class: "notice notice-warn", id: "consent-none", role: "note" }, t("consent_none")),
		consents.length && !hasValid ? h("p", { class: "notice notice-warn", id: "consent-none-valid", role: "note" }, t("consent_none_valid")) : null,
		list ? h("div", { class: "table-wrap" }, list) : null,
		open ? await consentForm(c, reload, !hasValid) : null,
	);
}

function revokeButton(k, reload) {
	return h(
		"button",
		{
			class: "btn btn-small btn-danger-quiet",
			type: "button",
			dataset: { revoke: k.id },
			onclick: async () => {
				if (!confirm(t("consent_revoke_confirm"))) return;
				try {
					const r = await api.post(`/v1/consents/${k.id}/revoke`);
					announce(t("consent_revoked_done", { n: (r.withdrawn_referral_ids || []).length }));
					await reload("#consents-h");
				} catch (e) {
					announce(errorText(e), "error");
				}
			},
		},
		t("consent_revoke"),
	);
}

// The form that records a consent; open at once while the case has no valid one.
async function consentForm(c, reload, openNow) {
	const [members, purposes, bases] = await Promise.all([api.activeMembers(c.network_id), api.get("/v1/legal-purposes"), api.get("/v1/legal-bases")]);
	const me = session.me.node_id;
	const recipients = members.filter((m) => m.node_id !== me).sort((a, b) => a.node.name.localeCompare(b.node.name));
	const scope = select("scope", [["network", t("consent_scope_network_long")], ["node", t("consent_scope_node")]], "network", { id: "consent-scope" });
	const recipient = select("recipient_node_id", [["", t("choose")], ...recipients.map((m) => [m.node_id, m.node.name])], "", { id: "consent-recipient" });
	const recipientField = field(t("consent_recipient"), recipient);
	recipientField.hidden = true;
	scope.addEventListener("change", () => {
		recipientField.hidden = scope.value !== "node";
		recipient.required = scope.value === "node";
	});
	const purpose = h("input", { name: "purpose", id: "consent-purpose", required: true, maxlength: 200, value: t("consent_purpose_default") });
	// The purpose and the basis from the lists (the basis defaults to the one for the owner's
	// kind of node: § 65 SGB VIII in youth welfare, § 67b SGB X elsewhere). A new consent
	// names its purpose: the form asks for it as the API does.
	const purposeCode = select("purpose_code", [["", t("choose")], ...purposes.items.map((p) => [p.code, label(p)])], "", { id: "consent-purpose-code", required: true });
	const basis = select("legal_basis", [["", t("consent_basis_default")], ...bases.items.filter((b) => b.kind === "consent").map((b) => [b.code, label(b)])], "", { id: "consent-basis" });
	const given = h("input", { name: "given_on", id: "consent-given", type: "date", required: true, value: isoDay(), max: isoDay() });
	const expires = h("input", { name: "expires_on", id: "consent-expires", type: "date", min: isoDay() });
	given.addEventListener("change", () => (expires.min = given.value || isoDay()));
	const evidence = h("input", { name: "evidence", id: "consent-evidence", required: true, maxlength: 200 });
	const form = h(
		"form",
		{
			id: "consent-form",
			class: "grid-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const body = { scope: scope.value, purpose: purpose.value.trim(), given_on: given.value, evidence: evidence.value.trim() };
				if (scope.value === "node") body.recipient_node_id = recipient.value || null;
				if (expires.value) body.expires_on = expires.value;
				body.purpose_code = purposeCode.value;
				if (basis.value) body.legal_basis = basis.value;
				try {
					await api.post(`/v1/cases/${c.id}/consents`, body);
					announce(t("consent_recorded"));
					await reload("#consents-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("consent_scope"), scope),
		recipientField,
		field(t("consent_purpose_code"), purposeCode),
		field(t("consent_purpose"), purpose),
		field(t("consent_basis"), basis),
		field(t("consent_given"), given),
		field(t("consent_expires"), expires, t("consent_expires_hint")),
		field(t("consent_evidence"), evidence, t("consent_evidence_hint")),
		h("div", { class: "form-error span-all", role: "alert" }),
		h("div", { class: "actions span-all" }, h("button", { class: "btn btn-primary", type: "submit" }, t("consent_save"))),
	);
	return h("details", { class: "disclosure", id: "consent-new", open: openNow }, h("summary", {}, t("consent_new")), form);
}
