-- What each status row is derived from (schema.ts personStatus), so an upload's new doses update a
-- person's row without reading their earlier doses (repositories/rollups.ts refreshRollups). The
-- rows already there get it from their doses, as rollups.ts placesFrom computes it.
ALTER TABLE "person_status" ADD COLUMN "series" smallint;--> statement-breakpoint
ALTER TABLE "person_status" ADD COLUMN "first_dose_number" smallint;--> statement-breakpoint
ALTER TABLE "person_status" ADD COLUMN "first_administered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "person_status" ADD COLUMN "dose_numbers" integer;--> statement-breakpoint
ALTER TABLE "person_status" ADD COLUMN "latest_administered_at" timestamp with time zone;--> statement-breakpoint
UPDATE "person_status" s SET
  "series" = f.series, "first_dose_number" = f.dose_number, "first_administered_at" = f.administered_at,
  "dose_numbers" = n.dose_numbers, "latest_administered_at" = l.administered_at
FROM (
    SELECT DISTINCT ON (d.person_id) d.person_id, d.dose_number, d.administered_at, p.doses_in_primary_series AS series
    FROM doses d JOIN vaccine_products p ON p.code = d.product_code
    ORDER BY d.person_id, d.dose_number, d.administered_at
  ) f
  JOIN (SELECT person_id, bit_or(1 << dose_number) AS dose_numbers FROM doses GROUP BY person_id) n USING (person_id)
  JOIN (SELECT DISTINCT ON (person_id) person_id, administered_at FROM doses ORDER BY person_id, administered_at DESC, recorded_at DESC) l USING (person_id)
WHERE s.person_id = f.person_id;--> statement-breakpoint
ALTER TABLE "person_status" ALTER COLUMN "series" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "person_status" ALTER COLUMN "first_dose_number" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "person_status" ALTER COLUMN "first_administered_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "person_status" ALTER COLUMN "dose_numbers" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "person_status" ALTER COLUMN "latest_administered_at" SET NOT NULL;
