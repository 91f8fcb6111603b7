// The app's pages: a path pattern, the roles that may open it, its title, and its view.
// A view is async (main, ...params) -> { refresh?, onLive?, destroy? }.
import { loginView } from "./views/login.js";
import { inboxView, outboxView, referralView } from "./views/referrals.js";
import { casesView } from "./views/cases.js";
import { caseView } from "./views/case.js";
import { notificationsView } from "./views/notifications.js";
import { servicesView } from "./views/services.js";
import { networkView, overdueView } from "./views/network.js";
import { chainsView, chainEditorView } from "./views/chains.js";
import { mapView, funnelView } from "./views/stats.js";
import { directoryView } from "./views/directory.js";

const CW = ["caseworker"];
const CO = ["coordinator", "admin"];

export const routes = [
	{ pattern: /^\/login$/, title: "login_title", view: loginView },
	{ pattern: /^\/inbox$/, roles: CW, title: "inbox_title", view: inboxView },
	{ pattern: /^\/outbox$/, roles: CW, title: "outbox_title", view: outboxView },
	{ pattern: /^\/referrals\/([0-9a-f-]{36})$/, roles: CW, title: "referral_title", view: referralView },
	{ pattern: /^\/cases$/, roles: CW, title: "cases_title", view: casesView },
	{ pattern: /^\/cases\/([0-9a-f-]{36})$/, roles: CW, title: "cases_title", view: caseView },
	{ pattern: /^\/notifications$/, roles: CW, title: "notices_title", view: notificationsView },
	{ pattern: /^\/services$/, roles: CW, title: "svc_title", view: servicesView },
	{ pattern: /^\/network$/, roles: CO, title: "network_title", view: networkView },
	{ pattern: /^\/chains$/, roles: CO, title: "chains_title", view: chainsView },
	{ pattern: /^\/chains\/([0-9a-f-]{36})$/, roles: CO, title: "editor_title", view: chainEditorView },
	{ pattern: /^\/map$/, roles: CO, title: "map_title", view: mapView },
	{ pattern: /^\/funnel$/, roles: CO, title: "funnel_title", view: funnelView },
	{ pattern: /^\/overdue$/, roles: CO, title: "overdue_title", view: overdueView },
	{ pattern: /^\/directory$/, title: "directory_title", view: directoryView },
];
