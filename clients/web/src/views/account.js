// The signed-in account's own page ("Mein Konto"): its contact (display name, phone, e-mail),
// which the other side of a referral sees, and for caseworkers which notifications come by
// e-mail (docs/architecture.md, "Contact around a referral", "Notifications by e-mail").
import * as api from "../api.js";
import { h, fill, field } from "../dom.js";
import { t } from "../i18n.js";
import { announce, session } from "../main.js";
import { showProblem, clearProblem } from "../problems.js";
import { absenceSection } from "./team.js";

function contactForm(me) {
	const name = h("input", { name: "display_name", id: "contact-name", required: true, maxlength: 200, autocomplete: "name" });
	const phone = h("input", { name: "phone", id: "contact-phone", type: "tel", maxlength: 40, autocomplete: "tel" });
	const email = h("input", { name: "email", id: "contact-email", type: "email", maxlength: 254, autocomplete: "email" });
	let version = null;
	function show(c) {
		version = c.version;
		name.value = c.display_name || "";
		phone.value = c.phone || "";
		email.value = c.email || "";
	}
	const form = h(
		"form",
		{
			id: "contact-form",
			onsubmit: async (e) => {
				e.preventDefault();
				clearProblem(form);
				try {
					const body = { display_name: name.value.trim(), phone: phone.value.trim() || null, email: email.value.trim() || null };
					const c = await api.patch(`/v1/accounts/${me.id}/contact`, body, { ifMatch: version });
					show(c);
					session.me.display_name = c.display_name;
					document.querySelector(".who-name")?.replaceChildren(c.display_name);
					announce(t("account_contact_saved"));
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		field(t("contact_name"), name),
		field(t("contact_phone"), phone, t("account_phone_hint")),
		field(t("contact_email"), email, t("account_email_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "contact-save" }, t("save")),
	);
	const load = async () => show(await api.get(`/v1/accounts/${me.id}/contact`));
	return { el: h("section", { class: "card", "aria-labelledby": "account-contact-h" }, h("h2", { id: "account-contact-h" }, t("account_contact")), h("p", { class: "hint" }, t("account_contact_intro")), form), load };
}

function prefsForm() {
	const list = h("ul", { class: "prefs-kinds", id: "email-kinds" });
	const note = h("p", { class: "hint", id: "email-prefs-note" });
	const form = h(
		"form",
		{
			id: "email-prefs-form",
			onsubmit: async (e) => {
				e.preventDefault();
				clearProblem(form);
				const kinds = [...list.querySelectorAll("input:checked")].map((i) => i.value);
				try {
					show(await api.put("/v1/me/notifications", { email_kinds: kinds }));
					announce(t("account_prefs_saved"));
				} catch (err) {
					showProblem(form, err);
				}
			},
		},
		h("fieldset", {}, h("legend", {}, t("account_prefs_legend")), list),
		note,
		h("div", { class: "form-error", role: "alert" }),
		h("button", { class: "btn btn-primary", type: "submit", id: "email-prefs-save" }, t("save")),
	);
	function show(p) {
		fill(
			list,
			p.kinds.map((k) => {
				const box = h("input", { type: "checkbox", name: "email_kinds", value: k, id: `email-kind-${k}`, checked: p.email_kinds.includes(k) });
				return h("li", { class: "field field-check" }, box, h("label", { for: box.id }, t(`email_kind_${k}`)));
			}),
		);
		note.textContent = p.email ? t("account_prefs_to", { email: p.email }) : t("account_prefs_no_email");
	}
	const load = async () => show(await api.get("/v1/me/notifications"));
	return { el: h("section", { class: "card", "aria-labelledby": "account-prefs-h" }, h("h2", { id: "account-prefs-h" }, t("account_prefs")), h("p", { class: "hint" }, t("account_prefs_intro")), form), load };
}

export async function ownAccountView(main) {
	const me = session.me;
	const contact = contactForm(me);
	const prefs = me.role === "caseworker" ? prefsForm() : null;
	fill(
		main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("account_title")), h("p", { class: "lead" }, t("account_intro")))),
		h("div", { class: "grid-2" }, contact.el, prefs ? prefs.el : null),
		h("p", {}, h("a", { href: "/password", "data-link": true }, t("password_link"))),
		me.role === "caseworker" ? await absenceSection() : null,
	);
	await Promise.all([contact.load(), prefs ? prefs.load() : null]);
	return {};
}
