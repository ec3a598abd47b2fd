CREATE TABLE "check_ins" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"venue_id" uuid NOT NULL,
	"checked_in_at" timestamp with time zone NOT NULL,
	"checked_out_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "check_ins_checked_out_after_in" CHECK ("check_ins"."checked_out_at" is null or "check_ins"."checked_out_at" >= "check_ins"."checked_in_at")
);
--> statement-breakpoint
CREATE TABLE "venues" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"ward_code" varchar(5) NOT NULL,
	"province_code" varchar(2) NOT NULL,
	"qr_code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "venues_qr_code_key" UNIQUE("qr_code"),
	CONSTRAINT "venues_category_check" CHECK ("venues"."category" in ('MARKET', 'RESTAURANT', 'SHOP', 'SCHOOL', 'HOSPITAL', 'OFFICE', 'TRANSPORT', 'WORSHIP', 'OTHER'))
);
--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_venue_id_venues_id_fk" FOREIGN KEY ("venue_id") REFERENCES "public"."venues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_ins_person_checked_in_idx" ON "check_ins" USING btree ("person_id","checked_in_at");