-- The write mix (issue 18, point 4): the counters by difference (sql/043) keep their plan.
--
-- statistics_add_applications() runs for each application created and each change of a
-- counted column. Its statements take the array of changes as a parameter, and PL/pgSQL made
-- a custom plan for every call (the generic plan's estimate for the unnested array is ten
-- rows, costlier than the custom plan's one, so the generic one was never chosen): planning
-- was most of the call (about 2 ms of 2.5 on the loaded bench machine, 0.5 ms with the plan
-- kept). The generic plan is the one it wants for any number of changes: look-ups by key.
ALTER FUNCTION statistics_add_applications(statistics_application_change[]) SET plan_cache_mode = force_generic_plan;
