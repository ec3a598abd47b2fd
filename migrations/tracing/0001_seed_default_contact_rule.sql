-- The default contact rule (subgraphs/tracing/rules.ts, DEFAULT_CONTACT_RULE) exists in every
-- database, so confirmCase works without a rule argument. Keep both in step.
INSERT INTO "contact_rules" ("name", "min_overlap_minutes", "infectious_days_before_onset", "max_stay_minutes", "trace_f2")
VALUES ('default-15min-4h', 15, 2, 240, true)
ON CONFLICT ("name") DO NOTHING;
