/*
 * registry.c — every surface module, in route match order.
 *
 * The only file that names them all: add a module here and main.c serves
 * it, seeds it, describes it and lets `partner add` issue its credentials.
 */
#include "surface/kit.h"

extern const struct wp_module wp_module_aqr;
extern const struct wp_module wp_module_kona;
extern const struct wp_module wp_module_system;
extern const struct wp_module wp_module_sandbox;
extern const struct wp_module wp_module_payple;
extern const struct wp_module wp_module_openapi;
extern const struct wp_module wp_module_oneq;

/* Also the order of the start-up banner. */
const struct wp_module *const wp_modules[] = {
    &wp_module_system, &wp_module_aqr,	&wp_module_sandbox, &wp_module_kona,
    &wp_module_payple, &wp_module_oneq, &wp_module_openapi,
};

const size_t wp_module_count = WP_COUNT(wp_modules);

_Static_assert(WP_COUNT(wp_modules) <= WP_MODULES_MAX, "raise WP_MODULES_MAX");
