// The case's history on its page: one list, oldest first, of what GET /v1/cases/{id}/timeline
// gives the node (docs/openapi: the team's entries, the referrals' moves, the case
// conferences), each in words; who did a team change is named, nothing else is free text.
import * as api from "../api.js";
import { h, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { personName, teamEntryText } from "./team.js";

function entryText(e) {
	if (e.kind.startsWith("referral.")) {
		const name = api.nodeName(e.to_node_id);
		if (e.kind === "referral.transition") return t("tl_referral_moved", { name, status: t(`st_${e.to_status}`) });
		return t(`tl_${e.kind.replace(".", "_")}`, { name });
	}
	if (e.kind.startsWith("conference.")) return t(`tl_${e.kind.replace(".", "_")}`, { at: fmtDate(e.starts_at, true) });
	return teamEntryText(e);
}

// Who made a team entry (a colleague of the own node); the other entries name no person.
function actor(e) {
	return e.kind.includes(".") ? null : h("span", { class: "muted small" }, `${personName(e.actor)}: `);
}

export async function caseHistorySection(c) {
	const items = (await api.get(`/v1/cases/${c.id}/timeline`)).items || [];
	return h(
		"section",
		{ class: "card", id: "case-timeline", "aria-labelledby": "case-tl-h" },
		h("h2", { id: "case-tl-h", tabindex: "-1" }, t("case_timeline")),
		items.length
			? h(
				"ol",
				{ class: "timeline", id: "case-timeline-list" },
				items.map((e) => h("li", { dataset: { kind: e.kind } }, h("time", { datetime: e.at }, fmtDate(e.at, true)), " ", h("span", {}, actor(e), entryText(e)))),
			)
			: h("p", { class: "empty" }, t("case_timeline_empty")),
	);
}
