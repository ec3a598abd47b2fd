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
CREATE TABLE "break_glass_grants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"official_subject" text NOT NULL,
	"official_provinces" text[] NOT NULL,
	"person_id" uuid NOT NULL,
	"owning_province_code" varchar(2) NOT NULL,
	"reason" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "break_glass_grants_reason_check" CHECK (char_length("break_glass_grants"."reason") between 10 and 500),
	CONSTRAINT "break_glass_grants_expiry_check" CHECK ("break_glass_grants"."expires_at" > "break_glass_grants"."opened_at")
);
--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD CONSTRAINT "break_glass_grants_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_records_person_id_at_idx" ON "audit_records" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "break_glass_grants_official_person_idx" ON "break_glass_grants" USING btree ("official_subject","person_id","expires_at");--> statement-breakpoint
CREATE INDEX "break_glass_grants_owning_province_idx" ON "break_glass_grants" USING btree ("owning_province_code","opened_at");