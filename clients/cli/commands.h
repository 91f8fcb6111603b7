/*
 * The commands of pnet, one handler each. A handler gets argv from its command word on
 * (argv[0] is "accept" for "pnet referral accept ID") and returns an exit code (cli.h).
 */
#ifndef PNET_CLI_COMMANDS_H
#define PNET_CLI_COMMANDS_H

/* auth.c */
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_whoami(int argc, char **argv);

/* referrals.c */
int cmd_box(int argc, char **argv); /* inbox and outbox */
int cmd_referral_show(int argc, char **argv);
int cmd_referral_create(int argc, char **argv);
int cmd_referral_move(int argc, char **argv); /* accept, decline, start, ... */
int cmd_referral_message(int argc, char **argv);
int cmd_referral_messages(int argc, char **argv);
int cmd_handover(int argc, char **argv);
int cmd_referral_link(int argc, char **argv); /* link send|revoke */

/* cases.c */
int cmd_case_open(int argc, char **argv);
int cmd_case_list(int argc, char **argv);
int cmd_case_show(int argc, char **argv);
int cmd_case_close(int argc, char **argv);
int cmd_case_enrol(int argc, char **argv);
int cmd_consent_add(int argc, char **argv);
int cmd_consent_list(int argc, char **argv);
int cmd_consent_revoke(int argc, char **argv);

/* contracts.c */
int cmd_case_export(int argc, char **argv);
int cmd_case_erase(int argc, char **argv);
int cmd_contract_list(int argc, char **argv);
int cmd_contract_use(int argc, char **argv);
/* conferences.c */
int cmd_conference_list(int argc, char **argv);
int cmd_conference_show(int argc, char **argv);
int cmd_conference_create(int argc, char **argv);
int cmd_conference_decide(int argc, char **argv);
int cmd_conference_refer(int argc, char **argv);
int cmd_conference_cancel(int argc, char **argv);
/* team.c */
int cmd_colleagues(int argc, char **argv);
int cmd_case_hand_over(int argc, char **argv);
int cmd_follow_up_add(int argc, char **argv);
int cmd_follow_up_list(int argc, char **argv);
int cmd_follow_up_done(int argc, char **argv);
int cmd_follow_up_move(int argc, char **argv);
int cmd_absence_add(int argc, char **argv);
int cmd_absence_list(int argc, char **argv);
int cmd_absence_remove(int argc, char **argv);

/* directory.c */
int cmd_services_search(int argc, char **argv);
int cmd_nodes_list(int argc, char **argv);
int cmd_hsds_export(int argc, char **argv);

/* chains.c */
int cmd_chain_list(int argc, char **argv);
int cmd_chain_export(int argc, char **argv);
int cmd_chain_import(int argc, char **argv);
int cmd_stats_funnel(int argc, char **argv);

/* report.c */
int cmd_stats_report(int argc, char **argv);

#endif
