// Changing one's own password (POST /v1/me/password). After an admin set the password (a new
// account, or a reset), this page is the only one until the owner has chosen their own.
import * as api from "../api.js";
import { h, field, cardPage } from "../dom.js";
import { t } from "../i18n.js";
import { passwordChanged, session } from "../main.js";
import { showFormError, clearErrors } from "../forms.js";

export async function passwordView(main) {
	const forced = Boolean(session.me.must_change_password);
	const current = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
	const fresh = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 1024 });
	const again = h("input", { name: "new_password_again", type: "password", autocomplete: "new-password", required: true });
	const submit = h("button", { class: "btn btn-primary btn-wide", type: "submit" }, t("password_submit"));
	const form = h(
		"form",
		{
			class: "login-form",
			id: "password-form",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				if (fresh.value !== again.value) {
					again.setAttribute("aria-invalid", "true");
					form.querySelector(".form-error").textContent = t("password_mismatch");
					again.focus();
					return;
				}
				submit.disabled = true;
				try {
					const account = await api.post("/v1/me/password", { current_password: current.value, new_password: fresh.value });
					passwordChanged(account, t("password_changed"));
				} catch (err) {
					submit.disabled = false;
					if (err.status === 429) form.querySelector(".form-error").textContent = t("login_throttled");
					else showFormError(form, err);
				}
			},
		},
		field(forced ? t("password_initial") : t("password_current"), current),
		field(t("password_new"), fresh, t("password_rules")),
		field(t("password_again"), again),
		h("div", { class: "form-error", role: "alert" }),
		submit,
	);
	cardPage(main, t("password_title"), { id: "password-intro", text: forced ? t("password_forced_intro") : t("password_intro") }, form);
	current.focus();
	return {};
}
