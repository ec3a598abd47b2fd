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
CREATE TABLE "test_result_revisions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "test_result_revisions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"test_result_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"kind" text NOT NULL,
	"sample_type" text,
	"collected_at" timestamp with time zone NOT NULL,
	"resulted_at" timestamp with time zone NOT NULL,
	"site_province_code" varchar(2),
	"site_id" uuid,
	"result" text NOT NULL,
	"ct_value" real,
	"retest_required" boolean NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"superseded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_result_revisions_result_revision_key" UNIQUE("test_result_id","revision")
);
--> statement-breakpoint
CREATE TABLE "test_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab" text NOT NULL,
	"sample_id" text NOT NULL,
	"person_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"sample_type" text,
	"collected_at" timestamp with time zone NOT NULL,
	"resulted_at" timestamp with time zone NOT NULL,
	"site_province_code" varchar(2),
	"site_id" uuid,
	"result" text NOT NULL,
	"ct_value" real,
	"pool_size" integer,
	"retest_required" boolean DEFAULT false NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_results_lab_sample_person_key" UNIQUE("lab","sample_id","person_id"),
	CONSTRAINT "test_results_kind_check" CHECK ("test_results"."kind" in ('PCR', 'RAPID_ANTIGEN')),
	CONSTRAINT "test_results_result_check" CHECK ("test_results"."result" in ('POSITIVE', 'NEGATIVE', 'INCONCLUSIVE', 'INVALID')),
	CONSTRAINT "test_results_times_check" CHECK ("test_results"."resulted_at" >= "test_results"."collected_at"),
	CONSTRAINT "test_results_site_check" CHECK (("test_results"."site_province_code" is null) = ("test_results"."site_id" is null)),
	CONSTRAINT "test_results_ct_check" CHECK ("test_results"."ct_value" is null or ("test_results"."kind" = 'PCR' and "test_results"."ct_value" > 0 and "test_results"."ct_value" <= 50)),
	CONSTRAINT "test_results_pool_check" CHECK ("test_results"."pool_size" is null or "test_results"."pool_size" >= 2)
);
--> statement-breakpoint
ALTER TABLE "test_result_revisions" ADD CONSTRAINT "test_result_revisions_test_result_id_test_results_id_fk" FOREIGN KEY ("test_result_id") REFERENCES "public"."test_results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_records_person_id_at_idx" ON "audit_records" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "test_results_person_resulted_idx" ON "test_results" USING btree ("person_id","resulted_at");