-- check_ins becomes a table range-partitioned by checked_in_at, one partition per UTC day
-- (check_ins_pYYYYMMDD, [day 00:00Z, next day 00:00Z)), plus check_ins_default for any row outside
-- them, so that no write ever fails for lack of a partition. Retention then drops whole days, and
-- queries bounded in time (exposures, check-outs) touch only the days they need.
--
-- A partitioned table's primary key must contain the partition column: (id, checked_in_at). A
-- retried upload carries the same time, so ON CONFLICT (id, checked_in_at) DO NOTHING stays
-- idempotent; the repository also recognises the same id close in time (a scan retried without
-- `at`). closed_automatically marks check-outs written by the maintenance job (maximum stay).
--
-- The existing rows are moved: the old table is renamed, the partitioned one created with the
-- same constraints and indexes, partitions made for every UTC day with data in the last 31 days
-- and for today and the next 7 days (older or later rows go to the default partition, where the
-- retention job deletes what is past retention), then insert-select, then the old table dropped.
-- The whole migration runs in the migrator's transaction: it either happens completely or not at all.
ALTER TABLE "check_ins" RENAME TO "check_ins_unpartitioned";
--> statement-breakpoint
-- Index names are unique per schema: free them for the new table (the old indexes are not needed to copy).
ALTER TABLE "check_ins_unpartitioned" RENAME CONSTRAINT "check_ins_pkey" TO "check_ins_unpartitioned_pkey";
--> statement-breakpoint
DROP INDEX "check_ins_person_checked_in_idx";
--> statement-breakpoint
DROP INDEX "check_ins_venue_checked_in_idx";
--> statement-breakpoint
CREATE TABLE "check_ins" (
	"id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"venue_id" uuid NOT NULL,
	"checked_in_at" timestamp with time zone NOT NULL,
	"checked_out_at" timestamp with time zone,
	"closed_automatically" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "check_ins_pkey" PRIMARY KEY ("id", "checked_in_at"),
	CONSTRAINT "check_ins_checked_out_after_in" CHECK ("check_ins"."checked_out_at" is null or "check_ins"."checked_out_at" >= "check_ins"."checked_in_at")
) PARTITION BY RANGE ("checked_in_at");
--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_venue_id_venues_id_fk" FOREIGN KEY ("venue_id") REFERENCES "public"."venues"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "check_ins_person_checked_in_idx" ON "check_ins" USING btree ("person_id", "checked_in_at");
--> statement-breakpoint
-- The exposure search's range scan on (venue_id, checked_in_at), bounded by the maximum stay. The
-- INCLUDE list holds every column it reads of the other visit (id as well, since 0002), so it is
-- an index-only scan. drizzle-kit cannot express INCLUDE; db/schema.ts deliberately omits it.
CREATE INDEX "check_ins_venue_checked_in_idx" ON "check_ins" USING btree ("venue_id", "checked_in_at") INCLUDE ("checked_out_at", "person_id", "id", "closed_automatically");
--> statement-breakpoint
CREATE TABLE "check_ins_default" PARTITION OF "check_ins" DEFAULT;
--> statement-breakpoint
-- Same names and bounds as subgraphs/checkins/partitions.ts makes.
DO $$
DECLARE
  day date;
BEGIN
  FOR day IN
    SELECT DISTINCT (checked_in_at AT TIME ZONE 'UTC')::date
    FROM check_ins_unpartitioned
    WHERE checked_in_at >= (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '31 days') AT TIME ZONE 'UTC'
      AND checked_in_at < (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '8 days') AT TIME ZONE 'UTC'
    UNION
    SELECT generate_series(0, 7) + (now() AT TIME ZONE 'UTC')::date
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF check_ins FOR VALUES FROM (%L) TO (%L)',
      'check_ins_p' || to_char(day, 'YYYYMMDD'),
      day::timestamp AT TIME ZONE 'UTC',
      (day + 1)::timestamp AT TIME ZONE 'UTC'
    );
  END LOOP;
END
$$;
--> statement-breakpoint
INSERT INTO "check_ins" ("id", "person_id", "venue_id", "checked_in_at", "checked_out_at", "created_at")
SELECT "id", "person_id", "venue_id", "checked_in_at", "checked_out_at", "created_at" FROM "check_ins_unpartitioned";
--> statement-breakpoint
DROP TABLE "check_ins_unpartitioned";
