/*
 * The recognition workflow end to end, over HTTP against the real server and cluster: a
 * province, two cities, an association, a supervisor and the public drive platforms from
 * registration to the public registry and revocation, and every rule on the way is tried at
 * its edge. One suite per feature (the files of tests/workflow/) over one shared fixture
 * (tests/workflow/fixture.c), run in this order in one process: later suites build on what
 * earlier ones left (the province's round, awards, notices), and the scope suite runs last.
 */
#include "tests/workflow/fixture.h"

int main(void)
{
    Suite *(*const suites[])(void) = {wf_rounds_suite, wf_platforms_suite, wf_lifecycle_suite, wf_supervision_suite,
                                      wf_titles_suite, wf_registry_suite, wf_statistics_suite, wf_rules_suite,
                                      wf_audit_suite, wf_imports_suite, wf_materials_suite, wf_records_suite,
                                      wf_applicants_suite, wf_scope_suite};
    size_t n = sizeof suites / sizeof *suites;
    SRunner *sr = NULL;
    for (size_t i = 0; i < n; i++) {
        Suite *s = suites[i]();
        if (sr == NULL)
            sr = srunner_create(s);
        else
            srunner_add_suite(sr, s);
    }
    return th_run_runner(sr, wf_setup, wf_teardown);
}
