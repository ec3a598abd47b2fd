CREATE TABLE "withdrawn_cases" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"withdrawn_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tracing_tasks" DROP CONSTRAINT "tracing_tasks_status_check";--> statement-breakpoint
ALTER TABLE "tracing_tasks" ADD CONSTRAINT "tracing_tasks_status_check" CHECK ("tracing_tasks"."status" in ('NEW', 'CONTACTED', 'ISOLATED', 'TESTED', 'CLOSED', 'WITHDRAWN'));