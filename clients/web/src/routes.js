// The app's pages: a path pattern, the roles that may open it, its title, and its view.
// A view is async (main, ...params) -> { refresh?, onLive?, destroy? }.
import { loginView } from "./views/login.js";
import { inboxView, outboxView, referralView } from "./views/referrals.js";
import { casesView } from "./views/cases.js";
import { caseView } from "./views/case.js";
import { conferencesView, conferenceView } from "./views/conferences.js";
import { notificationsView } from "./views/notifications.js";
import { servicesView } from "./views/services.js";
import { networkView, overdueView } from "./views/network.js";
import { chainsView, chainEditorView } from "./views/chains.js";
import { mapView, funnelView, agreementsView } from "./views/stats.js";
import { reportView } from "./views/report.js";
import { directoryView } from "./views/directory.js";
import { adminView, networksAdminView } from "./views/admin.js";
import { organizationsView, organizationView } from "./views/organizations.js";
import { accountsView, accountView } from "./views/accounts.js";
import { webhooksView } from "./views/webhooks.js";
import { auditView } from "./views/audit.js";
import { passwordView } from "./views/password.js";
import { followUpsView } from "./views/team.js";
import { ownAccountView } from "./views/account.js";
import { contractsView } from "./views/contracts.js";
import { linkView } from "./views/link.js";

const CW = ["caseworker"];
const CO = ["coordinator", "admin"];
const AD = ["admin"];
const AU = ["auditor", "admin"];

export const routes = [
	{ pattern: /^\/login$/, title: "login_title", view: loginView },
	// Opened from a link's e-mail without a login (views/link.js): the token is the key.
	{ pattern: /^\/link\/([0-9a-f-]{36})$/, title: "link_title", view: linkView, public: true },
	{ pattern: /^\/inbox$/, roles: CW, title: "inbox_title", view: inboxView },
	{ pattern: /^\/outbox$/, roles: CW, title: "outbox_title", view: outboxView },
	{ pattern: /^\/referrals\/([0-9a-f-]{36})$/, roles: CW, title: "referral_title", view: referralView },
	{ pattern: /^\/cases$/, roles: CW, title: "cases_title", view: casesView },
	{ pattern: /^\/cases\/([0-9a-f-]{36})$/, roles: CW, title: "cases_title", view: caseView },
	{ pattern: /^\/conferences$/, roles: CW, title: "conf_list_title", view: conferencesView },
	{ pattern: /^\/conferences\/([0-9a-f-]{36})$/, roles: CW, title: "conf_list_title", view: conferenceView },
	{ pattern: /^\/follow-ups$/, roles: CW, title: "fu_page_title", view: followUpsView },
	{ pattern: /^\/notifications$/, roles: CW, title: "notices_title", view: notificationsView },
	{ pattern: /^\/services$/, roles: CW, title: "svc_title", view: servicesView },
	{ pattern: /^\/network$/, roles: CO, title: "network_title", view: networkView },
	{ pattern: /^\/chains$/, roles: CO, title: "chains_title", view: chainsView },
	{ pattern: /^\/chains\/([0-9a-f-]{36})$/, roles: CO, title: "editor_title", view: chainEditorView },
	{ pattern: /^\/map$/, roles: CO, title: "map_title", view: mapView },
	{ pattern: /^\/funnel$/, roles: CO, title: "funnel_title", view: funnelView },
	{ pattern: /^\/overdue$/, roles: CO, title: "overdue_title", view: overdueView },
	{ pattern: /^\/contracts$/, roles: CO, title: "contracts_title", view: contractsView },
	{ pattern: /^\/directory$/, title: "directory_title", view: directoryView },
	{ pattern: /^\/agreements$/, roles: CO, title: "agreements_title", view: agreementsView },
	{ pattern: /^\/report$/, roles: CO, title: "rp_title", view: reportView },
	{ pattern: /^\/admin$/, roles: AD, title: "admin_title", view: adminView },
	{ pattern: /^\/admin\/organizations$/, roles: AD, title: "orgs_title", view: organizationsView },
	{ pattern: /^\/admin\/organizations\/([0-9a-f-]{36})$/, roles: AD, title: "orgs_title", view: organizationView },
	{ pattern: /^\/admin\/accounts$/, roles: AD, title: "accounts_title", view: accountsView },
	{ pattern: /^\/admin\/accounts\/([0-9a-f-]{36})$/, roles: AD, title: "accounts_title", view: accountView },
	{ pattern: /^\/admin\/webhooks$/, roles: AD, title: "webhooks_title", view: webhooksView },
	{ pattern: /^\/admin\/networks$/, roles: AD, title: "networks_title", view: networksAdminView },
	{ pattern: /^\/audit$/, roles: AU, title: "audit_title", view: auditView },
	{ pattern: /^\/password$/, title: "password_title", view: passwordView },
	{ pattern: /^\/account$/, title: "account_title", view: ownAccountView },
];
