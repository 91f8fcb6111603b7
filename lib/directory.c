#include "directory.h"

#include <stddef.h>

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
