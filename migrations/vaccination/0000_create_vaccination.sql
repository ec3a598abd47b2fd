CREATE TABLE "adverse_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dose_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"severity" text NOT NULL,
	"description" text NOT NULL,
	"reported_by" text NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "adverse_events_severity_check" CHECK ("adverse_events"."severity" in ('MILD', 'MODERATE', 'SEVERE', 'LIFE_THREATENING'))
);
--> statement-breakpoint
CREATE TABLE "age_groups" (
	"code" text PRIMARY KEY NOT NULL,
	"min_age" smallint NOT NULL,
	"max_age" smallint,
	CONSTRAINT "age_groups_range_check" CHECK ("age_groups"."min_age" >= 0 and ("age_groups"."max_age" is null or "age_groups"."max_age" >= "age_groups"."min_age"))
);
--> statement-breakpoint
CREATE TABLE "audit_records" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"subject" text NOT NULL,
	"role" text NOT NULL,
	"jurisdiction" text[] NOT NULL,
	"person_id" uuid NOT NULL,
	"fields" text[] NOT NULL,
	"masked_fields" text[] NOT NULL,
	"operation_name" text,
	"purpose" text,
	"at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"break_glass_grant_id" uuid,
	CONSTRAINT "audit_records_outcome_check" CHECK ("audit_records"."outcome" in ('ALLOWED', 'MASKED', 'DENIED'))
);
--> statement-breakpoint
CREATE TABLE "coverage_counts" (
	"area" varchar(5) NOT NULL,
	"birth_year" smallint NOT NULL,
	"at_least_one_dose" bigint DEFAULT 0 NOT NULL,
	"full" bigint DEFAULT 0 NOT NULL,
	"boosted" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "coverage_counts_pkey" PRIMARY KEY("area","birth_year")
);
--> statement-breakpoint
CREATE TABLE "doses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"record_id" text NOT NULL,
	"person_id" uuid NOT NULL,
	"product_code" text NOT NULL,
	"dose_number" smallint NOT NULL,
	"lot" text,
	"administered_at" timestamp with time zone NOT NULL,
	"site_province_code" varchar(2),
	"site_id" uuid,
	"ward_code" varchar(5) NOT NULL,
	"province_code" varchar(2) NOT NULL,
	"legacy_ward_code" varchar(5),
	"birth_year" smallint NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "doses_source_record_key" UNIQUE("source","record_id"),
	CONSTRAINT "doses_number_check" CHECK ("doses"."dose_number" between 1 and 10),
	CONSTRAINT "doses_site_check" CHECK (("doses"."site_province_code" is null) = ("doses"."site_id" is null))
);
--> statement-breakpoint
CREATE TABLE "person_status" (
	"person_id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	"province_code" varchar(2) NOT NULL,
	"birth_year" smallint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "person_status_status_check" CHECK ("person_status"."status" in ('PARTIAL', 'FULL', 'BOOSTED'))
);
--> statement-breakpoint
CREATE TABLE "vaccine_products" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"manufacturer" text NOT NULL,
	"doses_in_primary_series" smallint NOT NULL,
	CONSTRAINT "vaccine_products_series_check" CHECK ("vaccine_products"."doses_in_primary_series" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "adverse_events" ADD CONSTRAINT "adverse_events_dose_id_doses_id_fk" FOREIGN KEY ("dose_id") REFERENCES "public"."doses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "doses" ADD CONSTRAINT "doses_product_code_vaccine_products_code_fk" FOREIGN KEY ("product_code") REFERENCES "public"."vaccine_products"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "adverse_events_dose_idx" ON "adverse_events" USING btree ("dose_id","occurred_at");--> statement-breakpoint
CREATE INDEX "audit_records_person_id_at_idx" ON "audit_records" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "doses_person_administered_idx" ON "doses" USING btree ("person_id","administered_at");