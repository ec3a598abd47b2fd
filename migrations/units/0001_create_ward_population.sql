CREATE TABLE "ward_population" (
	"ward_code" varchar(5) NOT NULL,
	"age_group" text NOT NULL,
	"population" bigint NOT NULL,
	"reference_year" smallint NOT NULL,
	CONSTRAINT "ward_population_pkey" PRIMARY KEY("ward_code","age_group"),
	CONSTRAINT "ward_population_population_check" CHECK ("ward_population"."population" >= 0)
);
--> statement-breakpoint
ALTER TABLE "ward_population" ADD CONSTRAINT "ward_population_ward_code_wards_code_fk" FOREIGN KEY ("ward_code") REFERENCES "public"."wards"("code") ON DELETE no action ON UPDATE no action;