// The notifications (notices.js): what the other side did with the node's referrals, newest
// first, each with the case, the step and what came back (the reason of a decline, the
// outcome, the appointment), read from the referral when the page shows it. After a decline
// the way to another provider is right there. Shown means seen: the count in the header
// goes back to zero.
import * as api from "../api.js";
import { h, fill, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { notices } from "../notices.js";
import { feedbackText, statusBadge, statusText, stepText } from "./referrals.js";
import { colleagues } from "./team.js";

// How many notifications the page reads the referral of (each read is audited).
const DETAILED = 30;

// A notification's sentence: who did what.
export function noticeTitle(n, who) {
	if (n.what === "follow_up") return t("notice_follow_up_due");
	if (n.what === "handed") return t("notice_handed");
	if (n.what.startsWith("conference")) return t(`notice_${n.what}`, { who, at: fmtDate(n.starts_at, true) });
	if (n.what === "new") return t(n.kind === "transfer" ? "notice_new_transfer" : "notice_new", { who });
	return t(`notice_${n.status}`, { who });
}

export async function notificationsView(main) {
	await api.nodes();
	// Whose cases a stand-in's notifications are about.
	const people = new Map((await colleagues().catch(() => [])).map((p) => [p.id, p.display_name]));
	const referrals = new Map();
	const list = h("ol", { class: "notice-list", id: "notices" });

	async function details(items) {
		const ids = [...new Set(items.slice(0, DETAILED).map((n) => n.referral_id))].filter((id) => id && !referrals.has(id));
		await Promise.all(
			ids.map((id) =>
				api.get(`/v1/referrals/${id}`).then(
					(r) => referrals.set(id, r),
					() => referrals.set(id, null), // gone (retention) or no longer visible
				),
			),
		);
	}

	// An invitation to a case conference: what it is and the way to it.
	function conferenceItem(n) {
		return h(
			"li",
			{ class: `notice-item${n.read ? "" : " unread"}`, dataset: { conference: n.conference_id, id: String(n.id) } },
			h("time", { datetime: n.at }, fmtDate(n.at, true)),
			h("div", { class: "notice-main" }, h("strong", {}, noticeTitle(n, api.nodeName(n.other))), n.read ? null : h("span", { class: "visually-hidden" }, ` (${t("notice_unread")})`)),
			h("div", { class: "actions" }, h("a", { class: "btn btn-small", href: `/conferences/${n.conference_id}`, "data-link": true }, t("notice_open"))),
		);
	}

	// A notification about a case itself (a follow-up date came, the case was handed to me).
	function caseItem(n) {
		return h(
			"li",
			{ class: `notice-item${n.read ? "" : " unread"}`, dataset: { case: n.case_id, what: n.what, id: String(n.id) } },
			h("time", { datetime: n.at }, fmtDate(n.at, true)),
			h("div", { class: "notice-main" }, h("strong", {}, noticeTitle(n)), n.due_on ? ` · ${fmtDate(n.due_on)}` : ""),
			behalf(n),
			h("div", { class: "actions" }, h("a", { class: "btn btn-small", href: `/cases/${n.case_id}`, "data-link": true }, t("notice_open_case"))),
		);
	}

	function behalf(n) {
		return n.on_behalf_of ? h("div", { class: "notice-sub stand-in" }, t("notice_stand_in", { who: people.get(n.on_behalf_of) || "–" })) : null;
	}

	function item(n) {
		if (n.what === "follow_up" || n.what === "handed") return caseItem(n);
		if (n.what.startsWith("conference")) return conferenceItem(n);
		const r = referrals.get(n.referral_id);
		const who = api.nodeName(n.other);
		const title = noticeTitle(n, who);
		const now = r && r.status !== n.status ? t("notice_now", { status: statusText(r.status, n.side) }) : null;
		const back = r && r.status === n.status ? feedbackText(r) : "";
		return h(
			"li",
			{ class: `notice-item${n.read ? "" : " unread"}`, dataset: { referral: n.referral_id, status: n.status, id: String(n.id) } },
			h("time", { datetime: n.at }, fmtDate(n.at, true)),
			h("div", { class: "notice-main" }, h("strong", {}, title), " ", statusBadge(n.status, n.side), n.read ? null : h("span", { class: "visually-hidden" }, ` (${t("notice_unread")})`)),
			behalf(n),
			r ? h("div", { class: "notice-sub" }, t("notice_case", { ref: r.case?.reference || "–" }), r.chain_step_key ? ` · ${stepText(r)}` : "", back ? ` · ${back}` : "", now ? ` · ${now}` : "") : null,
			h(
				"div",
				{ class: "actions" },
				h("a", { class: "btn btn-small", href: `/referrals/${n.referral_id}`, "data-link": true }, t("notice_open")),
				r && n.side === "sender" && r.status === "declined"
					? h("a", { class: "btn btn-small btn-primary", href: `/referrals/${n.referral_id}?redirect=1`, "data-link": true, dataset: { redirect: n.referral_id } }, t("redirect_action"))
					: null,
			),
		);
	}

	async function draw() {
		const items = notices.items();
		await details(items);
		fill(list, items.length ? items.map(item) : h("li", { class: "empty" }, t("notices_empty")));
		// What is shown is seen; it stays marked on this page until the next visit.
		notices.markAllRead();
	}

	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("notices_title")), h("p", { class: "lead" }, t("notices_intro")))),
		h("section", { class: "card", "aria-label": t("notices_title") }, list),
	);
	await draw();
	let drawing = false;
	const off = notices.subscribe(() => {
		// Marking read notifies too: only new notifications draw again.
		if (drawing || !notices.unread()) return;
		drawing = true;
		draw().finally(() => (drawing = false));
	});
	return { destroy: off };
}
