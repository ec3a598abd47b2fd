CREATE TABLE "certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"content_hash" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"revocation_reason" text,
	CONSTRAINT "certificates_revocation_check" CHECK (("certificates"."revoked_at" is null) = ("certificates"."revocation_reason" is null) and ("certificates"."revoked_at" is null) = ("certificates"."revoked_by" is null))
);
--> statement-breakpoint
CREATE TABLE "health_pass_rules" (
	"name" text PRIMARY KEY NOT NULL,
	"priority" integer NOT NULL,
	"color" text NOT NULL,
	"reason_vi" text NOT NULL,
	"reason_en" text NOT NULL,
	"vaccination_statuses" text[],
	"infected_min_days" integer,
	"infected_max_days" integer,
	"negative_within_hours" integer,
	"under_follow_up" boolean,
	CONSTRAINT "health_pass_rules_color_check" CHECK ("health_pass_rules"."color" in ('GREEN', 'YELLOW', 'RED')),
	CONSTRAINT "health_pass_rules_statuses_check" CHECK ("health_pass_rules"."vaccination_statuses" <@ array['NONE', 'PARTIAL', 'FULL', 'BOOSTED']::text[])
);
--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_current_key" ON "certificates" USING btree ("person_id","content_hash") WHERE "certificates"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "certificates_revoked_idx" ON "certificates" USING btree ("revoked_at") WHERE "certificates"."revoked_at" is not null;