// Accept by link (docs/architecture.md, "Accept by link"): the page a node without accounts
// opens from its e-mail, without a login. The token stays in the URL's fragment (never sent
// to the server in the address, so never in a log or a Referer) and goes with each call in
// the Pnet-Link-Token header; it opens this referral's page and nothing else. The page shows
// what the receiving node may see and the moves the receiver may make now.
import { ApiError } from "../api.js";
import { h, fill, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText } from "../main.js";
import { problemSlug, showProblem } from "../problems.js";
import { moveForm, statusBadge, statusText, stepText, moveClass, plainMove, moveLabel } from "./referrals.js";

// One call with the link's token; failures become an ApiError as api.js makes them.
async function linkRequest(method, path, token, { body, ifMatch } = {}) {
	const headers = { Accept: "application/json", "Pnet-Link-Token": token };
	if (body !== undefined) headers["Content-Type"] = "application/json";
	if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
	let res;
	try {
		res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), referrerPolicy: "no-referrer" });
	} catch (e) {
		throw new ApiError(0, { title: "network", detail: String(e), method });
	}
	const data = await res.json().catch(() => null);
	if (!res.ok) throw new ApiError(res.status, data || {});
	return data;
}

// The page for a link that does not open (anymore): what happened and what to do, by the
// problem's type.
const REFUSED = {
	"link-expired": ["link_expired_title", "link_expired_text"],
	"link-revoked": ["link_revoked_title", "link_revoked_text"],
	"link-wrong-referral": ["link_wrong_title", "link_wrong_text"],
	"link-invalid": ["link_invalid_title", "link_invalid_text"],
	"link-required": ["link_invalid_title", "link_invalid_text"],
	"too-many-attempts": ["link_throttled_title", "link_throttled_text"],
};

function refused(e) {
	const slug = problemSlug(e);
	const [title, text] = REFUSED[slug] || ["link_failed_title", null];
	return h(
		"section",
		{ class: "notice notice-error", id: "link-refused", dataset: { problem: slug || String(e.status) } },
		h("h1", { tabindex: "-1" }, t(title)),
		h("p", {}, text ? t(text) : errorText(e)),
	);
}

function row(label, value) {
	if (value === null || value === undefined || value === "") return null;
	return [h("dt", {}, label), h("dd", {}, value)];
}

function contact(sender) {
	const address = [sender.street, [sender.postal_code, sender.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
	return h(
		"section",
		{ class: "card", "aria-labelledby": "link-sender-h", id: "link-sender" },
		h("h2", { id: "link-sender-h" }, t("link_sender_title")),
		h(
			"dl",
			{ class: "facts" },
			row(t("link_sender_name"), sender.name),
			row(t("link_sender_phone"), sender.phone),
			row(t("link_sender_email"), sender.email ? h("a", { href: `mailto:${sender.email}` }, sender.email) : null),
			row(t("link_sender_address"), address),
		),
	);
}

export async function linkView(main, id) {
	const token = decodeURIComponent(location.hash.replace(/^#/, ""));
	const path = `/v1/link/referrals/${id}`;

	async function load() {
		let view;
		try {
			view = await linkRequest("GET", path, token);
		} catch (e) {
			fill(main, refused(e));
			return;
		}
		draw(view);
	}

	function draw(view) {
		const r = view.referral;
		const formSlot = h("div", { class: "form-slot" });

		async function transition(body, form) {
			try {
				const next = await linkRequest("POST", `${path}/transitions`, token, { body, ifMatch: r.version });
				announce(t("done_transition", { status: statusText(body.to, "receiver") }));
				draw(next);
				main.querySelector("#link-status")?.focus();
			} catch (e) {
				if (e.status === 412 || problemSlug(e) === "illegal-transition") {
					announce(errorText(e), "warn");
					await load();
				} else if (REFUSED[problemSlug(e)] || problemSlug(e) === "link-used") {
					await load();
					announce(errorText(e), "error");
				} else if (form) {
					showProblem(form, e);
				} else {
					announce(errorText(e), "error");
				}
			}
		}

		const moves = r.allowed_moves || [];
		const buttons = moves.map((move) =>
			h(
				"button",
				{
					type: "button",
					class: moveClass(move),
					dataset: { move: move.to },
					onclick: () => {
						if (plainMove(move)) return transition({ to: move.to });
						fill(formSlot, moveForm(r, move, transition, () => fill(formSlot)));
						formSlot.querySelector("select, input, textarea")?.focus();
					},
				},
				moveLabel(r, move.to),
			),
		);
		const actions = view.done
			? h("p", { class: "notice", id: "link-done" }, t("link_done", { status: statusText(r.status, "receiver") }))
			: [h("p", {}, t("link_actions_intro")), h("div", { class: "actions actions-wrap", id: "moves" }, buttons), formSlot];

		fill(main,
			h(
				"div",
				{ class: "page-head" },
				h(
					"div",
					{},
					h("h1", { tabindex: "-1" }, t("link_heading", { node: view.receiver.name })),
					h("p", { class: "lead", id: "link-status", tabindex: "-1" }, statusBadge(r.status, "receiver")),
					h("p", {}, t("link_intro", { sender: view.sender.name })),
					h("p", { class: "hint", id: "link-expires" }, t("link_expires", { at: fmtDate(view.expires_at, true) })),
				),
			),
			h(
				"div",
				{ class: "grid-2" },
				h(
					"section",
					{ class: "card", "aria-labelledby": "link-facts-h" },
					h("h2", { id: "link-facts-h" }, t("link_facts_title")),
					h(
						"dl",
						{ class: "facts", id: "link-facts" },
						row(t("link_case_reference"), r.case?.reference),
						row(t("referral_kind"), t(r.kind === "transfer" ? "kind_transfer" : "kind_service")),
						row(t("col_step"), r.chain_step_key ? stepText(r) : null),
						row(t("referral_reason"), r.reason),
						row(t("referral_note"), r.note),
						row(t("referral_created"), fmtDate(r.created_at, true)),
						row(t("referral_appointment"), r.appointment_at ? fmtDate(r.appointment_at, true) : null),
						row(t("referral_expected"), r.expected_on ? fmtDate(r.expected_on) : null),
						row(t("referral_status_reason"), r.status_reason ? t(`r_${r.status_reason}`) : null),
						row(t("referral_outcome"), r.outcome ? t(`o_${r.outcome}`) : null),
					),
					h("p", { class: "hint" }, t("link_consent_hint")),
				),
				h("section", { class: "card", "aria-labelledby": "link-actions-h", id: "actions" }, h("h2", { id: "link-actions-h" }, t("referral_actions")), actions),
			),
			contact(view.sender),
		);
	}

	await load();
}
