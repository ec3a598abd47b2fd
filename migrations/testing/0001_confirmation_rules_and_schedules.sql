CREATE TABLE "confirmation_rules" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"min_positives" integer NOT NULL,
	"within_hours" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "confirmation_rules_kind_check" CHECK ("confirmation_rules"."kind" in ('PCR', 'RAPID_ANTIGEN')),
	CONSTRAINT "confirmation_rules_min_check" CHECK ("confirmation_rules"."min_positives" >= 1 and ("confirmation_rules"."min_positives" = 1 or "confirmation_rules"."within_hours" > 0))
);
--> statement-breakpoint
CREATE TABLE "test_schedules" (
	"contact_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"degree" text NOT NULL,
	"due_on" date NOT NULL,
	"home_province_code" varchar(2),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_schedules_contact_id_due_on_pk" PRIMARY KEY("contact_id","due_on")
);
--> statement-breakpoint
CREATE INDEX "test_schedules_person_due_idx" ON "test_schedules" USING btree ("person_id","due_on");--> statement-breakpoint
-- The default confirmation rules (confirmation.ts DEFAULT_CONFIRMATION_RULES; keep the two in step).
INSERT INTO "confirmation_rules" ("name", "kind", "min_positives", "within_hours") VALUES ('pcr-1', 'PCR', 1, NULL), ('rapid-2-48h', 'RAPID_ANTIGEN', 2, 48) ON CONFLICT DO NOTHING;
