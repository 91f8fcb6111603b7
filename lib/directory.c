#include "directory.h"
#include "json.h"

#include <stddef.h>
#include <string.h>

const char *const directory_organization_kinds[] = {
        "public_agency", "municipality", "welfare_association", "nonprofit", "church", "company",
        "other",         NULL,
};

const char *const directory_node_kinds[] = {
        "jobcenter",
        "employment_agency",
        "social_welfare_office",
        "youth_welfare_office",
        "health_office",
        "health_provider",
        "welfare_association",
        "counselling_service",
        "education_provider",
        "housing_provider",
        "employer",
        "community_centre",
        "municipality",
        "other",
        NULL,
};

const char *const directory_service_statuses[] = {"active", "inactive", "temporarily_closed", NULL};

/* Opening hours at the node, or consultation hours held elsewhere (a community centre, say). */
const char *const directory_schedule_kinds[] = {"opening", "mobile", NULL};

/* In the order of directory_node_kinds. */
static const char *const node_kinds_de[] = {
        "Jobcenter",      "Agentur für Arbeit", "Sozialamt",         "Jugendamt",
        "Gesundheitsamt", "Gesundheitswesen",   "Wohlfahrtsverband", "Beratungsstelle",
        "Bildungsträger", "Wohnungswirtschaft", "Arbeitgeber",       "Quartierszentrum",
        "Kommune",        "Sonstige",
};

const char *directory_node_kind_de(const char *kind)
{
	for (size_t i = 0; kind && directory_node_kinds[i]; i++)
		if (!strcmp(directory_node_kinds[i], kind))
			return node_kinds_de[i];
	return NULL;
}

json_t *directory_vocabulary(void)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "organization_kinds",
	                 json_string_list(directory_organization_kinds), "node_kinds",
	                 json_string_list(directory_node_kinds), "service_statuses",
	                 json_string_list(directory_service_statuses), "schedule_kinds",
	                 json_string_list(directory_schedule_kinds));
}
