CREATE TABLE "health_declarations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"symptoms" text[] DEFAULT '{}'::text[] NOT NULL,
	"travel" text,
	"exposure_note" text,
	"declared_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "health_declarations_kind_check" CHECK ("health_declarations"."kind" in ('ENTRY', 'DOMESTIC_TRAVEL', 'SYMPTOMS', 'ROUTINE')),
	CONSTRAINT "health_declarations_symptoms_check" CHECK ("health_declarations"."symptoms" <@ array['FEVER', 'COUGH', 'SHORTNESS_OF_BREATH', 'SORE_THROAT', 'LOSS_OF_TASTE_OR_SMELL', 'FATIGUE', 'OTHER']::text[])
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" uuid PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"birth_year" integer NOT NULL,
	"phone" varchar(10) NOT NULL,
	"national_id_hash" varchar(64),
	"residence_ward_code" varchar(5) NOT NULL,
	"residence_province_code" varchar(2) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_birth_year_check" CHECK ("people"."birth_year" >= 1900)
);
--> statement-breakpoint
ALTER TABLE "health_declarations" ADD CONSTRAINT "health_declarations_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "health_declarations_person_id_declared_at_idx" ON "health_declarations" USING btree ("person_id","declared_at");--> statement-breakpoint
CREATE UNIQUE INDEX "people_national_id_hash_idx" ON "people" USING btree ("national_id_hash");--> statement-breakpoint
CREATE INDEX "people_phone_idx" ON "people" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "people_residence_province_code_idx" ON "people" USING btree ("residence_province_code");