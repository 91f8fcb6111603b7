// A case on its chain: the path (diagram and list, each step with its state, the referrals
// behind it and what the own team did), and the next steps: record a step the own team
// delivers itself as started or done, refer to a suggested provider or to any other member,
// or, after a decline, to another provider.
import * as api from "../api.js";
import { h, clear, fill, field, badge, fmtDate, localNow, fromLocal } from "../dom.js";
import { t } from "../i18n.js";
import { announce } from "../main.js";
import { showProblem } from "../problems.js";
import { referForm } from "./refer.js";
import { feedbackText, statusBadge } from "./referrals.js";

// Record step (of case c) as started or done by the own team: a small form with the time
// (now, or earlier) and a note.
function ownStepForm(c, step, state, reload, onCancel) {
	const at = h("input", { type: "datetime-local", name: "at", id: `own-${step.key}-at`, value: localNow(), max: localNow(), required: true });
	const note = h("textarea", { name: "note", id: `own-${step.key}-note`, rows: 2, maxlength: 2000 });
	const form = h(
		"form",
		{
			class: "own-step-form",
			id: `own-${step.key}-${state}`,
			onsubmit: async (e) => {
				e.preventDefault();
				const body = { state, at: fromLocal(at.value) };
				if (note.value.trim()) body.note = note.value.trim();
				try {
					await api.post(`/v1/cases/${c.id}/steps/${encodeURIComponent(step.key)}`, body);
					announce(t(state === "done" ? "own_done_saved" : "own_started_saved", { step: step.name }));
					await reload("#progress-h");
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("h4", {}, t(state === "done" ? "own_done_title" : "own_started_title", { step: step.name })),
		field(t(state === "done" ? "own_done_at" : "own_started_at"), at),
		field(t("note"), note),
		h("div", { class: "form-error", role: "alert" }),
		h(
			"div",
			{ class: "actions" },
			h("button", { class: "btn btn-primary", type: "submit" }, t(state === "done" ? "own_done_submit" : "own_started_submit")),
			h("button", { class: "btn", type: "button", onclick: onCancel }, t("cancel")),
		),
	);
	return form;
}

// A button that shows a form in slot (and hides itself meanwhile); make() builds the form,
// given a way to close it again.
function opener(text, attrs, slot, make) {
	const button = h("button", { type: "button", ...attrs }, text);
	button.addEventListener("click", async () => {
		const close = () => {
			clear(slot);
			button.hidden = false;
			button.focus();
		};
		const form = await make(close);
		button.hidden = true;
		fill(slot, form);
		form.querySelector("select, input, textarea")?.focus();
	});
	return button;
}

// What the own team did for a step, in words.
function ownText(own) {
	if (!own) return null;
	return own.state === "done"
		? t("own_record_done", { at: fmtDate(own.done_at, true), who: api.nodeName(own.node_id) })
		: t("own_record_started", { at: fmtDate(own.started_at, true), who: api.nodeName(own.node_id) });
}

// The path through the chain: the diagram, and a list of the steps with their state.
export function progressSection(c, progress, chainName, reload) {
	const canvas = h("div", { class: "graph graph-chain", id: "case-chain-graph", "aria-hidden": "true" });
	const open = c.status === "open";
	const items = progress.steps.map((s) => {
		const slot = h("div", { class: "form-slot" });
		return h(
			"li",
			{ dataset: { step: s.key, state: s.state } },
			h("span", { class: "step-name" }, s.name),
			badge(t(`step_${s.state}`), `step-${s.state}`),
			s.own ? badge(t("step_own"), "info") : null,
			s.required ? null : h("span", { class: "muted" }, ` (${t("step_optional")})`),
			s.own ? h("div", { class: "step-detail" }, ownText(s.own), s.own.note ? h("span", { class: "muted" }, ` – ${s.own.note}`) : null) : null,
			s.referrals.length
				? h(
					"ul",
					{ class: "step-referrals" },
					s.referrals.map((r) =>
						h(
							"li",
							{},
							h("a", { href: `/referrals/${r.id}`, "data-link": true }, api.nodeName(r.to_node_id)),
							" ",
							statusBadge(r.status, "sender"),
							feedbackText(r) ? h("span", { class: "muted small" }, ` ${feedbackText(r)}`) : null,
						),
					),
				)
				: null,
			open && s.own && s.own.state === "in_progress"
				? h("div", { class: "step-actions" }, opener(t("own_done_action"), { class: "btn btn-small btn-primary", dataset: { own: "done", step: s.key } }, slot, (close) => ownStepForm(c, s, "done", reload, close)), slot)
				: null,
		);
	});
	return {
		section: h(
			"section",
			{ class: "card", id: "progress", "aria-labelledby": "progress-h" },
			h("h2", { id: "progress-h", tabindex: "-1" }, t("chain_progress")),
			h("p", { class: "lead" }, t("chain_progress_of", { name: chainName, n: progress.chain_version })),
			h("div", { class: "graph-with-list" }, canvas, h("ol", { class: "step-list", id: "step-list" }, items)),
		),
		canvas,
	};
}

// The steps open now, each with what can be done for it.
export function nextStepsSection(c, next, consents, reload) {
	const items = next.items || [];
	return h(
		"section",
		{ class: "card", id: "next-steps", "aria-labelledby": "next-h" },
		h("h2", { id: "next-h", tabindex: "-1" }, t("next_steps")),
		items.length ? items.map((s) => nextStep(c, s, consents, reload)) : h("p", { class: "empty" }, t("next_none")),
	);
}

function nextStep(c, s, consents, reload) {
	const slot = h("div", { class: "form-slot" });
	const declined = s.referrals.filter((r) => api.statusInfo(r.status).step_state === "dropped");
	const lastDeclined = [...s.referrals].reverse().find((r) => r.status === "declined");
	const refer = (to) => (close) =>
		referForm({
			c,
			consents,
			step: s,
			to,
			redirectedFrom: lastDeclined ? lastDeclined.id : null,
			onDone: () => reload("#case-ref-h"),
			onCancel: close,
		});
	const suggestions = s.suggestions || [];
	return h(
		"div",
		{ class: "next-step", dataset: { step: s.key } },
		h(
			"div",
			{ class: "next-step-head" },
			h("h3", {}, s.name),
			badge(s.required ? t("step_required") : t("step_optional"), s.required ? "info" : "muted"),
		),
		s.guidance ? h("p", { class: "guidance" }, s.guidance) : null,
		declined.length
			? h(
				"div",
				{ class: "notice notice-warn step-declined" },
				declined.map((r) => h("p", {}, t(r.status === "declined" ? "step_declined_by" : "step_dropped_by", { who: api.nodeName(r.to_node_id), reason: r.status_reason ? t(`r_${r.status_reason}`) : "–" }))),
				h("p", {}, t("step_redirect_hint")),
			)
			: null,
		s.own_provider
			? h(
				"div",
				{ class: "own-step" },
				h("h4", {}, t("own_title")),
				h("p", { class: "muted" }, t("own_explain")),
				h(
					"div",
					{ class: "actions" },
					opener(t("own_started_action"), { class: "btn btn-small", dataset: { own: "in_progress", step: s.key } }, slot, (close) => ownStepForm(c, s, "in_progress", reload, close)),
					opener(t("own_done_action"), { class: "btn btn-small btn-primary", dataset: { own: "done", step: s.key } }, slot, (close) => ownStepForm(c, s, "done", reload, close)),
				),
			)
			: null,
		h("h4", {}, t("suggested")),
		suggestions.length
			? h(
				"ul",
				{ class: "suggestions" },
				suggestions.map((p) =>
					h(
						"li",
						{ dataset: { node: p.node_id } },
						h(
							"div",
							{ class: "sugg-main" },
							h("strong", {}, p.node_name),
							h("span", { class: "muted" }, ` · ${p.service_name}${p.district ? ` · ${p.district}` : ""}`),
							h(
								"div",
								{ class: "sugg-meta" },
								p.capacity_free === null || p.capacity_free === undefined
									? null
									: badge(p.capacity_free > 0 ? t("free_places", { n: p.capacity_free }) : t("no_free_places"), p.capacity_free > 0 ? "ok" : "warn"),
								p.wait_days ? h("span", { class: "muted" }, t("wait_days", { n: p.wait_days })) : null,
							),
						),
						opener(t("refer"), { class: "btn btn-primary btn-small", dataset: { refer: p.node_id, step: s.key } }, slot, refer(p.node_id)),
					),
				),
			)
			: h("p", { class: "empty" }, t(s.own_provider ? "no_suggestion_own" : "no_suggestion")),
		h("div", { class: "actions" }, opener(t("refer_other"), { class: "btn btn-small", dataset: { referOther: s.key } }, slot, refer(null))),
		slot,
	);
}
