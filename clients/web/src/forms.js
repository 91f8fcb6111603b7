// What the coordinator's and admin's forms share: reading a refusal into the form (the fields
// it names marked, each problem under its label) and small input helpers.
import { t } from "./i18n.js";
import { errorText } from "./main.js";

// The label people read for the control named name in form, or the name itself.
function labelOf(form, name) {
	const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
	const label = control && control.id ? form.querySelector(`label[for="${CSS.escape(control.id)}"]`) : null;
	return label ? label.textContent : name;
}

export function clearErrors(form) {
	for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
	const box = form.querySelector(".form-error");
	if (box) box.textContent = "";
}

// Show a failed request in form's .form-error: a refusal naming fields lists each under the
// field's label and marks the field; anything else is said in one sentence.
export function showFormError(form, e) {
	clearErrors(form);
	const box = form.querySelector(".form-error");
	const problems = (e && e.problem && e.problem.errors) || [];
	if (e && (e.status === 422 || e.status === 409) && problems.length) {
		const lines = problems.map((p) => {
			const name = String(p.field || "").replace(/\[\d+\].*$/, "");
			form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute("aria-invalid", "true");
			return `${labelOf(form, name)}: ${p.message}`;
		});
		box.textContent = `${t("form_refused")} ${lines.join(" · ")}`;
	} else {
		box.textContent = errorText(e);
	}
	box.scrollIntoView?.({ block: "nearest" });
}

// Today in the browser's time zone as YYYY-MM-DD (for date inputs).
export function today() {
	const d = new Date();
	return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// The value of an input for the API: trimmed text, or null when empty.
export function valueOrNull(input) {
	const v = input.value.trim();
	return v === "" ? null : v;
}

// The value of a number input, or null when empty.
export function numberOrNull(input) {
	return input.value === "" ? null : Number(input.value);
}
