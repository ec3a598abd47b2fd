CREATE TABLE "province_profile" (
	"code" varchar(2) PRIMARY KEY NOT NULL,
	"hotline" text
);
--> statement-breakpoint
CREATE TABLE "quarantine_facilities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	"address" text NOT NULL,
	"capacity" integer NOT NULL,
	"occupied" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quarantine_facilities_occupied_check" CHECK (0 <= "quarantine_facilities"."occupied" and "quarantine_facilities"."occupied" <= "quarantine_facilities"."capacity")
);
--> statement-breakpoint
CREATE TABLE "testing_sites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	"address" text NOT NULL,
	"opening_hours" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracer_team_wards" (
	"team_id" uuid NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	CONSTRAINT "tracer_team_wards_pkey" PRIMARY KEY("team_id","ward_code")
);
--> statement-breakpoint
CREATE TABLE "tracer_teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"full_name" text NOT NULL,
	"phone" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracing_task_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"author" text NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracing_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"degree" text NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	"assigned_tracer_id" uuid,
	"status" text DEFAULT 'NEW' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracing_tasks_status_check" CHECK ("tracing_tasks"."status" in ('NEW', 'CONTACTED', 'ISOLATED', 'TESTED', 'CLOSED')),
	CONSTRAINT "tracing_tasks_degree_check" CHECK ("tracing_tasks"."degree" in ('F1', 'F2'))
);
--> statement-breakpoint
CREATE TABLE "zone_wards" (
	"zone_id" uuid NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	CONSTRAINT "zone_wards_pkey" PRIMARY KEY("zone_id","ward_code")
);
--> statement-breakpoint
CREATE TABLE "zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"level" text NOT NULL,
	"reason" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	CONSTRAINT "zones_level_check" CHECK ("zones"."level" in ('BLOCKADE', 'ISOLATION', 'WATCH')),
	CONSTRAINT "zones_period_check" CHECK ("zones"."ends_at" is null or "zones"."ends_at" > "zones"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "tracer_team_wards" ADD CONSTRAINT "tracer_team_wards_team_id_tracer_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."tracer_teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracers" ADD CONSTRAINT "tracers_team_id_tracer_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."tracer_teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracing_task_notes" ADD CONSTRAINT "tracing_task_notes_task_id_tracing_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tracing_tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracing_tasks" ADD CONSTRAINT "tracing_tasks_assigned_tracer_id_tracers_id_fk" FOREIGN KEY ("assigned_tracer_id") REFERENCES "public"."tracers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zone_wards" ADD CONSTRAINT "zone_wards_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."zones"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quarantine_facilities_name_idx" ON "quarantine_facilities" USING btree ("name");--> statement-breakpoint
CREATE INDEX "testing_sites_name_idx" ON "testing_sites" USING btree ("name");--> statement-breakpoint
CREATE INDEX "tracer_team_wards_ward_code_idx" ON "tracer_team_wards" USING btree ("ward_code");--> statement-breakpoint
CREATE INDEX "tracers_team_id_idx" ON "tracers" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "tracing_task_notes_task_id_at_idx" ON "tracing_task_notes" USING btree ("task_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "tracing_tasks_contact_id_key" ON "tracing_tasks" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "tracing_tasks_status_due_at_idx" ON "tracing_tasks" USING btree ("status","due_at");--> statement-breakpoint
CREATE INDEX "tracing_tasks_open_by_tracer_idx" ON "tracing_tasks" USING btree ("assigned_tracer_id") WHERE "tracing_tasks"."status" <> 'CLOSED';--> statement-breakpoint
CREATE INDEX "zones_starts_at_idx" ON "zones" USING btree ("starts_at");