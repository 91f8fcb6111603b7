// Login: POST /v1/auth/login, the token kept for this tab only.
import * as api from "../api.js";
import { h, field, cardPage } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, signedIn } from "../main.js";

export async function loginView(main) {
	const login = h("input", { name: "login", autocomplete: "username", required: true, autofocus: true });
	const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
	const error = h("div", { class: "form-error", role: "alert", id: "login-error" });
	const submit = h("button", { class: "btn btn-primary btn-wide", type: "submit" }, t("login_submit"));
	const form = h(
		"form",
		{
			class: "login-form",
			id: "login-form",
			onsubmit: async (e) => {
				e.preventDefault();
				error.textContent = "";
				submit.disabled = true;
				try {
					const r = await api.post("/v1/auth/login", { login: login.value.trim(), password: password.value });
					api.setToken(r.token);
					await signedIn(r.account, r.expires_at);
				} catch (err) {
					submit.disabled = false;
					error.textContent =
						err.status === 401 ? t("login_failed") : err.status === 429 ? t("login_throttled") : errorText(err);
					password.select();
				}
			},
		},
		field(t("login_name"), login),
		field(t("password"), password),
		error,
		submit,
	);
	cardPage(main, t("login_title"), t("login_intro"), form);
	login.focus();
	return {};
}
