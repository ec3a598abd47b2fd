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
CREATE INDEX "audit_records_person_id_at_idx" ON "audit_records" USING btree ("person_id","at");