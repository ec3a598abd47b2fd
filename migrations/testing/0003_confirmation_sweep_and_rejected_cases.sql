CREATE TABLE "rejected_cases" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"rejected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "test_results" ADD COLUMN "judged_revision" integer;--> statement-breakpoint
ALTER TABLE "test_schedules" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "test_results_unjudged_positive_idx" ON "test_results" USING btree ("recorded_at") WHERE "test_results"."result" = 'POSITIVE' and "test_results"."pool_size" is null and "test_results"."judged_revision" is distinct from "test_results"."revision";