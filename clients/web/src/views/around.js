// Around a referral, beside its facts (docs/architecture.md, "Contact around a referral",
// "Appointments"): whom to call on each side, and the client's appointment, which the receiver
// sets and changes while its status keeps one (the vocabulary's appointment) and both sides
// take into their calendars as an .ics file.
import * as api from "../api.js";
import { h, fill, fmtDate, fromLocal, download } from "../dom.js";
import { t } from "../i18n.js";
import { announce } from "../main.js";
import { showProblem, problemText } from "../problems.js";

// An ISO time as a datetime-local value in the browser's zone.
function toLocal(iso) {
	const d = new Date(iso);
	const pad = (n) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function contactLines(c) {
	if (!c) return [];
	const lines = [];
	if (c.phone) lines.push(h("li", {}, `${t("contact_phone")}: `, h("a", { href: `tel:${c.phone.replace(/[^0-9+]/g, "")}` }, c.phone)));
	if (c.email) lines.push(h("li", {}, `${t("contact_email")}: `, h("a", { href: `mailto:${c.email}` }, c.email)));
	return lines;
}

function side(title, who, id) {
	if (!who) return h("div", { class: "contact-side", id }, h("h3", {}, title), h("p", { class: "hint" }, t("contact_receiver_later")));
	const node = who.node || {};
	const address = [node.street, [node.postal_code, node.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
	return h(
		"div",
		{ class: "contact-side", id },
		h("h3", {}, title),
		h("p", { class: "contact-node" }, h("strong", {}, node.name || "–"), address ? [h("br"), address] : null),
		h("ul", { class: "contact-lines" }, contactLines(node)),
		who.account
			? [h("p", { class: "contact-person" }, t("contact_person", { name: who.account.display_name })), h("ul", { class: "contact-lines" }, contactLines(who.account))]
			: null,
	);
}

// The contact card of referral id: the sender's side always, the receiver's once it acted.
export function contactCard(id) {
	const body = h("div", { class: "contact-sides" }, h("p", { class: "hint" }, t("loading")));
	const el = h("section", { class: "card", id: "contact", "aria-labelledby": "contact-h" }, h("h2", { id: "contact-h" }, t("contact_title")), body);
	async function reload() {
		try {
			const c = await api.get(`/v1/referrals/${id}/contact`);
			fill(body, side(t("contact_sender"), c.sender, "contact-sender"), side(t("contact_receiver"), c.receiver, "contact-receiver"));
		} catch (e) {
			fill(body, h("p", { class: "hint" }, problemText(e)));
		}
	}
	return { el, reload };
}

// The appointment of referral r as side sees it: the time, the calendar file, and for the
// receiver while its status keeps one, the form to set, change or cancel it. reload() draws
// the page again after a change.
export function appointmentCard(r, viewer, reload) {
	const keeps = viewer === "receiver" && api.statusInfo(r.status).appointment;
	if (!r.appointment_at && !keeps) return null;
	const parts = [h("h2", { id: "appointment-h" }, t("appointment_title"))];
	parts.push(
		h("p", { id: "appointment-at", class: "appointment-at" }, r.appointment_at ? fmtDate(r.appointment_at, true) : t("appointment_none")),
	);
	if (r.appointment_at) {
		const ics = h(
			"button",
			{
				type: "button",
				class: "btn btn-small",
				id: "appointment-ics",
				onclick: async () => {
					try {
						const file = await api.request("GET", `/v1/referrals/${r.id}/appointment.ics`, { accept: "text/calendar", blob: true });
						download("termin.ics", file, "text/calendar");
					} catch (e) {
						announce(problemText(e), "error");
					}
				},
			},
			t("appointment_ics"),
		);
		parts.push(h("p", {}, ics, " ", h("span", { class: "hint" }, t("appointment_ics_hint"))));
	}
	if (keeps) {
		const at = h("input", { type: "datetime-local", name: "at", id: "appointment-input", required: true, value: r.appointment_at ? toLocal(r.appointment_at) : "" });
		async function save(value, form) {
			try {
				await api.put(`/v1/referrals/${r.id}/appointment`, { at: value }, { ifMatch: r.version });
				announce(value ? t("appointment_saved", { at: fmtDate(value, true) }) : t("appointment_cleared"));
				await reload();
				document.getElementById("appointment-at")?.focus();
			} catch (e) {
				if (e.status === 412) {
					announce(problemText(e), "warn");
					await reload();
				} else showProblem(form, e);
			}
		}
		const form = h(
			"form",
			{
				id: "appointment-form",
				onsubmit: (e) => {
					e.preventDefault();
					const value = fromLocal(at.value);
					if (value) save(value, form);
				},
			},
			h("label", { for: at.id }, r.appointment_at ? t("appointment_change") : t("appointment_set")),
			at,
			h("div", { class: "form-error", role: "alert" }),
			h(
				"div",
				{ class: "actions" },
				h("button", { class: "btn btn-primary", type: "submit", id: "appointment-save" }, t("appointment_save")),
				r.appointment_at ? h("button", { class: "btn", type: "button", id: "appointment-clear", onclick: () => confirm(t("appointment_clear_confirm")) && save(null, form) }, t("appointment_clear")) : null,
			),
		);
		parts.push(form);
	}
	const el = h("section", { class: "card", id: "appointment", "aria-labelledby": "appointment-h" }, ...parts);
	el.querySelector("#appointment-at").tabIndex = -1;
	return el;
}
