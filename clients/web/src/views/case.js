// One case, as its owner works on it: consent, the chain it is assigned to and where it
// stands there, the next steps, referrals inside or outside the chain, its referrals, and the
// case itself (change its pseudonym or district, transfer it, close it with a reason). A node
// that only holds a referral on the case sees what the access rules give it: the pseudonym,
// the target group and its own referrals.
import * as api from "../api.js";
import { h, clear, fill, field, select, table, badge, fmtDate, download } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, navigate, session } from "../main.js";
import { showProblem } from "../problems.js";
import { drawChain } from "../graph.js";
import { chainsOf } from "./cases.js";
import { consentSection } from "./consents.js";
import { closingConferencesNotice, conferenceSection } from "./conferences.js";
import { caseHistorySection } from "./history.js";
import { referForm } from "./refer.js";
import { feedbackText, statusCell, stepText } from "./referrals.js";
import { nextStepsSection, progressSection } from "./steps.js";
import { followUpSection, teamSection } from "./team.js";

const CLOSE_REASONS = ["goal_reached", "moved_away", "no_longer_eligible", "client_withdrew", "no_contact", "other"];

// The client's rights (docs/record-of-processing.md): everything pnet holds about the case as
// a file (Art. 15 GDPR), and its erasure at once (Art. 17), confirmed by typing the pseudonym.
function rightsSection(c) {
	const exportButton = h(
		"button",
		{
			class: "btn",
			type: "button",
			id: "case-export",
			onclick: async () => {
				try {
					const data = await api.get(`/v1/cases/${c.id}/export`);
					download(`auskunft-${c.reference}.json`, JSON.stringify(data, null, 2), "application/json");
					announce(t("case_export_done"));
				} catch (err) {
					announce(errorText(err), "error");
				}
			},
		},
		t("case_export"),
	);
	const typed = h("input", { name: "reference", id: "case-erase-reference", autocomplete: "off" });
	const erase = h("button", { class: "btn btn-danger", type: "submit", id: "case-erase", disabled: true }, t("case_erase_submit"));
	typed.addEventListener("input", () => (erase.disabled = typed.value.trim() !== c.reference));
	const form = h(
		"form",
		{
			id: "case-erase-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				if (typed.value.trim() !== c.reference || !confirm(t("case_erase_confirm", { ref: c.reference }))) return;
				erase.disabled = true;
				try {
					await api.post(`/v1/cases/${c.id}/erase`);
					announce(t("case_erase_done", { ref: c.reference }));
					navigate("/cases");
				} catch (err) {
					erase.disabled = false;
					showProblem(form, err);
				}
			},
		},
		h("p", { class: "notice notice-warn" }, t("case_erase_explain")),
		field(t("case_erase_type", { ref: c.reference }), typed),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, erase),
	);
	return h(
		"section",
		{ class: "card", id: "case-rights", "aria-labelledby": "case-rights-h" },
		h("h2", { id: "case-rights-h" }, t("case_rights")),
		h("p", { class: "lead" }, t("case_rights_intro")),
		h("div", { class: "actions" }, exportButton),
		h("details", { id: "case-erase-details" }, h("summary", {}, t("case_erase")), form),
	);
}

function referralsSection(referrals, side) {
	return h(
		"section",
		{ class: "card card-flush", id: "case-referrals", "aria-labelledby": "case-ref-h" },
		h("h2", { id: "case-ref-h", class: "card-title", tabindex: "-1" }, t("case_referrals")),
		referrals.length
			? table(
				[
					[t("col_sent"), (r) => h("a", { href: `/referrals/${r.id}`, "data-link": true, class: "row-link" }, fmtDate(r.created_at, true))],
					[t("col_to"), (r) => api.nodeName(r.to_node_id)],
					[t("col_step"), (r) => (r.kind === "transfer" ? t("kind_transfer") : stepText(r))],
					[t("col_status"), (r) => statusCell(r, side)],
					[t("col_feedback"), (r) => feedbackText(r) || "–"],
				],
				referrals,
				{ rowAttrs: (r) => ({ dataset: { id: r.id, status: r.status } }) },
			)
			: h("p", { class: "empty" }, t("case_no_referrals")),
	);
}

// The case as a node sees it that does not own it.
function foreignCase(main, c, referrals, groups) {
	fill(main,
		h("p", { class: "crumbs" }, h("a", { href: "/outbox", "data-link": true }, "← ", t("nav_outbox"))),
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", { tabindex: "-1" }, t("case_title", { ref: c.reference })), h("p", { class: "lead" }, groups.get(c.target_group_id)?.name || "")),
		),
		h("p", { class: "notice", id: "case-foreign" }, t("case_foreign")),
		referralsSection(referrals, "sender"),
	);
}

// The case's own settings: change its pseudonym or district, transfer it, close it.
function caseTools(c, consents, reload) {
	const slot = h("div", { class: "form-slot", id: "case-tool" });
	const show = (button, make) => async () => {
		const close = () => {
			clear(slot);
			button.focus();
		};
		const form = await make(close);
		fill(slot, form);
		form.querySelector("select, input, textarea")?.focus();
	};
	const edit = h("button", { class: "btn", type: "button", id: "case-edit" }, t("case_edit"));
	const transfer = h("button", { class: "btn", type: "button", id: "case-transfer" }, t("case_transfer"));
	const close = h("button", { class: "btn btn-danger-quiet", type: "button", id: "case-close" }, t("case_close"));
	edit.addEventListener("click", show(edit, (done) => editForm(c, reload, done)));
	transfer.addEventListener("click", show(transfer, (done) => referForm({ c, consents, kind: "transfer", onDone: () => reload("#case-ref-h"), onCancel: done })));
	close.addEventListener("click", show(close, (done) => closeForm(c, reload, done)));
	return h("div", { class: "case-tools" }, h("div", { class: "actions" }, edit, transfer, close), slot);
}

function editForm(c, reload, onCancel) {
	const reference = h("input", { name: "reference", id: "edit-reference", required: true, maxlength: 64, value: c.reference });
	const district = h("input", { name: "district", id: "edit-district", maxlength: 100, value: c.district || "" });
	const form = h(
		"form",
		{
			class: "move-form",
			id: "case-edit-form",
			onsubmit: async (e) => {
				e.preventDefault();
				const body = {};
				if (reference.value.trim() !== c.reference) body.reference = reference.value.trim();
				if ((district.value.trim() || null) !== (c.district || null)) body.district = district.value.trim() || null;
				if (!Object.keys(body).length) return onCancel();
				try {
					await api.patch(`/v1/cases/${c.id}`, body, { ifMatch: c.version });
					announce(t("case_saved"));
					await reload("h1");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("h3", {}, t("case_edit")),
		field(t("case_reference"), reference, t("case_reference_hint")),
		field(t("case_district"), district),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("save")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

async function closeForm(c, reload, onCancel) {
	const conferences = await closingConferencesNotice(c);
	const reason = select("close_reason", [["", t("choose")], ...CLOSE_REASONS.map((r) => [r, t(`cr_${r}`)])], "", { required: true, id: "close-reason" });
	const form = h(
		"form",
		{
			class: "move-form",
			id: "case-close-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.patch(`/v1/cases/${c.id}`, { status: "closed", close_reason: reason.value }, { ifMatch: c.version });
					announce(t("case_closed_done"));
					await reload("h1");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("h3", {}, t("case_close")),
		h("p", {}, t("case_close_explain")),
		conferences,
		field(t("case_close_reason"), reason),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-danger", type: "submit" }, t("case_close_submit")), h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel"))),
	);
	return form;
}

// The published chains for the case's target group (but the one it has).
function fittingChains(c, chains) {
	return [...chains.values()].filter((ch) => ch.target_group_id === c.target_group_id && ch.current_version && ch.id !== c.chain_id);
}

function enrolForm(c, fitting, reload) {
	const chain = select("chain_id", fitting.map((ch) => [ch.id, ch.name]), fitting[0]?.id, { id: "enrol-chain" });
	const form = h(
		"form",
		{
			id: "enrol-form",
			class: "inline-form",
			onsubmit: async (e) => {
				e.preventDefault();
				try {
					await api.post(`/v1/cases/${c.id}/enrolment`, { chain_id: chain.value });
					announce(t("enrol_done"));
					await reload("#progress-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("enrol_chain"), chain),
		h("button", { class: "btn btn-primary", type: "submit" }, t("enrol_submit")),
		h("div", { class: "form-error", role: "alert" }),
	);
	return form;
}

// Another chain for an assigned case: its progress so far stays with the old one.
function rechainDisclosure(c, chains, reload) {
	const fitting = fittingChains(c, chains);
	if (!fitting.length) return null;
	return h("details", { class: "disclosure", id: "rechain" }, h("summary", {}, t("enrol_other")), h("p", { class: "muted" }, t("enrol_other_explain")), enrolForm(c, fitting, reload));
}

function enrolSection(c, chains, reload) {
	const fitting = fittingChains(c, chains);
	return h(
		"section",
		{ class: "card", id: "enrol", "aria-labelledby": "enrol-h" },
		h("h2", { id: "enrol-h", tabindex: "-1" }, t("enrol_title")),
		h("p", { class: "lead" }, t("enrol_explain")),
		fitting.length ? enrolForm(c, fitting, reload) : h("p", { class: "empty" }, t("enrol_none")),
	);
}

// Referring outside the chain (or without one): to any active member.
function freeReferSection(c, consents, reload) {
	const slot = h("div", { class: "form-slot" });
	const button = h("button", { class: "btn", type: "button", id: "refer-free" }, t("refer_free_action"));
	button.addEventListener("click", async () => {
		const form = await referForm({
			c,
			consents,
			onDone: () => reload("#case-ref-h"),
			onCancel: () => {
				clear(slot);
				button.hidden = false;
				button.focus();
			},
		});
		button.hidden = true;
		fill(slot, form);
		form.querySelector("select")?.focus();
	});
	return h(
		"section",
		{ class: "card", id: "refer-outside", "aria-labelledby": "refer-free-h" },
		h("h2", { id: "refer-free-h" }, t(c.chain_id ? "refer_free_heading" : "refer_free_heading_no_chain")),
		h("p", { class: "muted" }, t("refer_free_explain")),
		button,
		slot,
	);
}

export async function caseView(main, id) {
	await api.nodes();
	let cy = null;
	let groups = null;

	async function load(focus) {
		const c = await api.get(`/v1/cases/${id}`);
		// The case's network; a case seen through a referral does not name it: the own ones.
		if (!groups) groups = await api.targetGroups(c.network_id ? [c.network_id] : await api.memberNetworks(session.me.node_id));
		if (c.access !== "owner") {
			const referrals = await api.all(`/v1/referrals${api.qs({ case_id: id })}`);
			foreignCase(main, c, referrals, groups);
			return;
		}
		const [consents, referrals, chains] = await Promise.all([
			api.get(`/v1/cases/${id}/consents`).then((x) => x.items || []),
			api.all(`/v1/referrals${api.qs({ case_id: id })}`),
			chainsOf([c.network_id]),
		]);
		let progress = null;
		let next = null;
		if (c.chain_id) [progress, next] = await Promise.all([api.get(`/v1/cases/${id}/progress`), api.get(`/v1/cases/${id}/next-steps`)]);
		await draw(c, consents, referrals, chains, progress, next);
		const target = focus && main.querySelector(focus);
		if (target) target.focus();
	}

	async function draw(c, consents, referrals, chains, progress, next) {
		if (cy) cy.destroy();
		cy = null;
		const open = c.status === "open";
		const group = groups.get(c.target_group_id);
		const sections = [
			h("p", { class: "crumbs" }, h("a", { href: "/cases", "data-link": true }, "← ", t("nav_cases"))),
			h(
				"div",
				{ class: "page-head" },
				h(
					"div",
					{},
					h("h1", { tabindex: "-1" }, t("case_title", { ref: c.reference })),
					h(
						"p",
						{ class: "lead", id: "case-facts" },
						group ? group.name : "",
						c.district ? ` · ${c.district}` : "",
						` · ${t("case_opened")} ${fmtDate(c.opened_at)} `,
						badge(t(`case_status_${c.status}`), open ? "ok" : "muted"),
					),
				),
			),
		];
		if (open) sections.push(caseTools(c, consents, load));
		else sections.push(h("p", { class: "notice", id: "case-closed" }, t("case_closed_on", { on: fmtDate(c.closed_at), reason: c.close_reason ? t(`cr_${c.close_reason}`) : "–" })));
		sections.push(await teamSection(c, load), await followUpSection(c, load));
		sections.push(await consentSection(c, consents, load));
		let canvas = null;
		if (!c.chain_id) {
			if (open) sections.push(enrolSection(c, chains, load));
		} else {
			const p = progressSection(c, progress, chains.get(c.chain_id)?.name || "", load);
			canvas = p.canvas;
			const rechain = open ? rechainDisclosure(c, chains, load) : null;
			if (rechain) p.section.append(rechain);
			sections.push(p.section);
			if (open) sections.push(nextStepsSection(c, next, consents, load));
		}
		if (open) sections.push(freeReferSection(c, consents, load));
		sections.push(await conferenceSection(c, consents, progress, load));
		sections.push(referralsSection(referrals, "sender"));
		sections.push(await caseHistorySection(c));
		if (c.access === "owner") sections.push(rightsSection(c));
		fill(main, ...sections);
		if (canvas) {
			requestAnimationFrame(() => {
				if (canvas.isConnected) cy = drawChain(canvas, progress.steps, progress.edges);
			});
		}
	}

	await load();
	return {
		destroy: () => cy && cy.destroy(),
		onLive: (type, data) => {
			if (data.case_id !== id) return;
			// A transfer completed elsewhere may have taken the case away: that page is drawn then.
			load().catch((e) => (e.status === 404 ? navigate("/cases", true) : null));
		},
	};
}
