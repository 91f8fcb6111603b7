// What the coordinator's and admin's forms share: a refusal shown on the form (problems.js words
// it: each field's problem under the field, a summary naming each by its label) and small input
// helpers.
import { showProblem, clearProblem } from "./problems.js";

export function clearErrors(form) {
	clearProblem(form);
}

// Show a failed request on form: every field it names marked and explained, the summary in the
// form's .form-error box, which is brought into view.
export function showFormError(form, e) {
	showProblem(form, e);
	form.querySelector(".form-error")?.scrollIntoView?.({ block: "nearest" });
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
