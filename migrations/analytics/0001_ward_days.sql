CREATE TABLE "ward_days" (
	"province" varchar(2) NOT NULL,
	"ward" varchar(8) NOT NULL,
	"day" date NOT NULL,
	"counts" jsonb NOT NULL,
	"running" jsonb NOT NULL,
	CONSTRAINT "ward_days_pkey" PRIMARY KEY("province","ward","day")
);
--> statement-breakpoint
-- Two jsonb maps of metric → number summed key by key (zeros dropped): how the consumer adds a
-- batch's changes to a ward's day (`counts`) and to the levels of that day and every later one (`running`).
CREATE FUNCTION "jsonb_sum"(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(jsonb_object_agg(key, total), '{}'::jsonb) FROM (
		SELECT key, sum(value::bigint) AS total FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) e GROUP BY key
	) s WHERE total <> 0
$$;
--> statement-breakpoint
-- The wards' rows of daily_rollups move to ward_days (each level's running value carried to every
-- later day of its ward); daily_rollups and rollup_totals keep the nation and the provinces.
INSERT INTO "ward_days" ("province", "ward", "day", "counts", "running")
SELECT d.province, d.ward, d.day, d.counts, coalesce((
	SELECT jsonb_object_agg(metric, total) FROM (
		SELECT metric, sum(value) AS total FROM "daily_rollups" l
		WHERE l.province = d.province AND l.ward = d.ward AND l.day <= d.day
		  AND l.metric IN ('cases_confirmed', 'cases_rejected', 'tasks_NEW', 'tasks_CONTACTED', 'tasks_ISOLATED', 'tasks_TESTED', 'tasks_CLOSED', 'tasks_WITHDRAWN', 'tasks_open_due', 'free_beds')
		GROUP BY metric
	) s WHERE total <> 0
), '{}'::jsonb)
FROM (
	SELECT province, ward, day, jsonb_object_agg(metric, value) AS counts FROM "daily_rollups"
	WHERE ward <> '*' AND value <> 0 GROUP BY province, ward, day
) d;
--> statement-breakpoint
DELETE FROM "daily_rollups" WHERE ward <> '*';
--> statement-breakpoint
DELETE FROM "rollup_totals" WHERE ward <> '*';
