CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"province_code" varchar(2) NOT NULL,
	"confirmed_at" timestamp with time zone NOT NULL,
	"onset_at" timestamp with time zone,
	"infectious_from" timestamp with time zone NOT NULL,
	"infectious_to" timestamp with time zone NOT NULL,
	"rule_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_infectious_window_check" CHECK ("cases"."infectious_from" <= "cases"."infectious_to"),
	CONSTRAINT "cases_onset_check" CHECK ("cases"."onset_at" is null or "cases"."onset_at" <= "cases"."confirmed_at")
);
--> statement-breakpoint
CREATE TABLE "contact_rules" (
	"name" text PRIMARY KEY NOT NULL,
	"min_overlap_minutes" integer NOT NULL,
	"infectious_days_before_onset" integer NOT NULL,
	"max_stay_minutes" integer NOT NULL,
	"trace_f2" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contact_rules_min_overlap_minutes_check" CHECK ("contact_rules"."min_overlap_minutes" > 0),
	CONSTRAINT "contact_rules_infectious_days_before_onset_check" CHECK ("contact_rules"."infectious_days_before_onset" >= 0),
	CONSTRAINT "contact_rules_max_stay_minutes_check" CHECK ("contact_rules"."max_stay_minutes" > 0)
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"degree" text NOT NULL,
	"via_person_id" uuid,
	"venue_id" uuid NOT NULL,
	"overlap_start" timestamp with time zone NOT NULL,
	"overlap_end" timestamp with time zone NOT NULL,
	"overlap_minutes" integer NOT NULL,
	"rule_name" text NOT NULL,
	"classified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_case_person_key" UNIQUE("case_id","person_id"),
	CONSTRAINT "contacts_degree_check" CHECK ("contacts"."degree" in ('F1', 'F2')),
	CONSTRAINT "contacts_via_check" CHECK (("contacts"."degree" = 'F1') = ("contacts"."via_person_id" is null)),
	CONSTRAINT "contacts_overlap_check" CHECK ("contacts"."overlap_start" <= "contacts"."overlap_end" and "contacts"."overlap_minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "tracing_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"f1_count" integer DEFAULT 0 NOT NULL,
	"f2_count" integer DEFAULT 0 NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"provinces_notified" text[] DEFAULT '{}'::text[] NOT NULL,
	"error" text,
	CONSTRAINT "tracing_runs_status_check" CHECK ("tracing_runs"."status" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
	CONSTRAINT "tracing_runs_counts_check" CHECK ("tracing_runs"."f1_count" >= 0 and "tracing_runs"."f2_count" >= 0)
);
--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_rule_name_contact_rules_name_fk" FOREIGN KEY ("rule_name") REFERENCES "public"."contact_rules"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_rule_name_contact_rules_name_fk" FOREIGN KEY ("rule_name") REFERENCES "public"."contact_rules"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracing_runs" ADD CONSTRAINT "tracing_runs_id_cases_id_fk" FOREIGN KEY ("id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_province_confirmed_idx" ON "cases" USING btree ("province_code","confirmed_at");--> statement-breakpoint
CREATE INDEX "cases_person_idx" ON "cases" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "contacts_person_idx" ON "contacts" USING btree ("person_id");