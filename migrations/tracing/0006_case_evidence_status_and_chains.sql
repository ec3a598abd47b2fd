ALTER TABLE "cases" ADD COLUMN "evidence_result_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "status" text DEFAULT 'CONFIRMED' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "rejected_reason" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "rejected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "infected_by_contact_id" uuid;--> statement-breakpoint
ALTER TABLE "contact_rules" ADD COLUMN "f1_test_days" integer[] DEFAULT '{1,3,7}'::int[] NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_rules" ADD COLUMN "f2_test_days" integer[] DEFAULT '{1}'::int[] NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_infected_by_idx" ON "cases" USING btree ("infected_by_contact_id");--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_status_check" CHECK ("cases"."status" in ('CONFIRMED', 'REJECTED'));--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_rejection_check" CHECK (("cases"."status" = 'REJECTED') = ("cases"."rejected_reason" is not null));