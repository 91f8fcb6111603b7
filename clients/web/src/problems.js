// Problems the server answers (RFC 9457 problem+json), worded in the user's language. The
// server's detail and messages are English for developers; here each problem is read by its
// type (the slug), and each field error by its code and field (docs/problems.md), so that
// nothing of the English reaches a German page. A form names the field by its label, marks
// it (aria-invalid) and puts the sentence under it.
import { h } from "./dom.js";
import { t, has } from "./i18n.js";

// The slug of a problem: "/problems/consent-required" -> "consent-required".
export function problemSlug(e) {
	return ((e && e.problem && e.problem.type) || "").replace(/^\/problems\//, "");
}

// A field's name without its path: "schedule[0].from" -> "from".
function baseName(field) {
	return String(field || "").replace(/^.*[.\]]/, "");
}

// One field error as a sentence: the most specific wording there is, for the field and
// code (pf_<field>_<code>), for the code (pc_<code>), else a general one.
export function fieldMessage(err) {
	let code = err.code || "invalid";
	// An empty text is "required" to a person, whatever the length rule says.
	if ((code === "too_short" && err.min === 1) || code === "not_null") code = "required";
	const params = { min: err.min, max: err.max };
	// A rule from the database names no bounds: say it without them.
	const plain = err.min === undefined && err.max === undefined && has(`pc_${code}_plain`) ? `pc_${code}_plain` : null;
	for (const key of [`pf_${baseName(err.field)}_${code}`, plain, `pc_${code}`].filter(Boolean)) {
		if (has(key)) return t(key, params);
	}
	return t("pc_invalid");
}

// The whole problem as one sentence (without its field errors).
export function problemMessage(e) {
	if (!e) return t("pt_other", { status: "?" });
	if (e.status === 0) return networkMessage(e);
	const slug = problemSlug(e);
	const params = { status: e.status, request_id: (e.problem && e.problem.request_id) || "–" };
	if (slug && has(`pt_${slug}`)) return t(`pt_${slug}`, params);
	const byStatus = { 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict", 412: "stale", 422: "validation", 429: "too-many-attempts" };
	if (byStatus[e.status]) return t(`pt_${byStatus[e.status]}`, params);
	if (e.status >= 500) return t("pt_internal", params);
	return t("pt_other", params);
}

// No answer at all (api.js): offline, a read this device holds no copy of, or a write that
// was not sent; else the server could not be reached.
function networkMessage(e) {
	const write = e.problem && e.problem.method && e.problem.method !== "GET";
	if (e.problem && e.problem.offline) return t(write ? "offline_write" : "offline_read");
	return t(write ? "error_network_write" : "error_network");
}

// The field errors of a problem, each {field, text}.
export function fieldErrors(e) {
	const errors = (e && e.problem && e.problem.errors) || [];
	return errors.map((err) => ({ field: err.field, text: fieldMessage(err) }));
}

// The problem, and each of its field errors with labels[field] (or the field's own name in
// the user's words, fl_<field>), as one text for a toast.
export function problemText(e, labels = {}) {
	const parts = fieldErrors(e).map(({ field, text }) => `${fieldLabel(field, labels)}: ${text}`);
	return [problemMessage(e), ...parts].join(" ");
}

function fieldLabel(field, labels) {
	const name = baseName(field);
	return labels[field] || labels[name] || (has(`fl_${name}`) ? t(`fl_${name}`) : name);
}

// Take the marks of an earlier problem off form.
export function clearProblem(form) {
	for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
	for (const el of form.querySelectorAll(".field-error")) el.remove();
	for (const el of form.querySelectorAll("[data-described]")) {
		if (el.dataset.described) el.setAttribute("aria-describedby", el.dataset.described);
		else el.removeAttribute("aria-describedby");
		delete el.dataset.described;
	}
	const box = form.querySelector(".form-error");
	if (box) box.textContent = "";
}

// Show problem e on form: each field error under its control (found by name), the control
// marked aria-invalid and described by the sentence, and a summary in the form's
// .form-error box that names each field by its label. Returns the summary text.
export function showProblem(form, e, labels = {}) {
	clearProblem(form);
	const lines = [];
	let first = null;
	for (const { field, text } of fieldErrors(e)) {
		const control = form.querySelector(`[name="${CSS.escape(field)}"]`) || form.querySelector(`[name="${CSS.escape(baseName(field))}"]`);
		let label = labels[field] || labels[baseName(field)];
		if (control) {
			const lab = control.id && form.querySelector(`label[for="${CSS.escape(control.id)}"]`);
			if (!label && lab) label = lab.textContent;
			control.setAttribute("aria-invalid", "true");
			const id = `${control.id || control.name}-error`;
			const msg = h("p", { class: "field-error", id }, text);
			(control.closest(".field") || control.parentElement).append(msg);
			control.dataset.described = control.getAttribute("aria-describedby") || "";
			control.setAttribute("aria-describedby", [control.dataset.described, id].filter(Boolean).join(" "));
			first = first || control;
		}
		lines.push(`${label || fieldLabel(field, labels)}: ${text}`);
	}
	const summary = lines.length ? `${problemMessage(e)} ${lines.join(" · ")}` : problemMessage(e);
	const box = form.querySelector(".form-error");
	if (box) box.textContent = summary;
	if (first) first.focus();
	return summary;
}
