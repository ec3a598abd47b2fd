CREATE TABLE "legacy_units" (
	"code" varchar(5) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"level" text NOT NULL,
	"parent_code" varchar(5)
);
--> statement-breakpoint
CREATE TABLE "legacy_ward_successors" (
	"old_ward_code" varchar(5) NOT NULL,
	"new_ward_code" varchar(5) NOT NULL,
	CONSTRAINT "legacy_ward_successors_pkey" PRIMARY KEY("old_ward_code","new_ward_code")
);
--> statement-breakpoint
CREATE TABLE "provinces" (
	"code" varchar(2) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wards" (
	"code" varchar(5) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"province_code" varchar(2) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "wards" ADD CONSTRAINT "wards_province_code_provinces_code_fk" FOREIGN KEY ("province_code") REFERENCES "public"."provinces"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legacy_units_parent_code_idx" ON "legacy_units" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "wards_province_code_idx" ON "wards" USING btree ("province_code");