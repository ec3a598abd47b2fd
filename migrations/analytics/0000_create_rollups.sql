CREATE TABLE "case_confirmations" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"confirmed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_rollups" (
	"day" date NOT NULL,
	"province" varchar(2) NOT NULL,
	"ward" varchar(8) NOT NULL,
	"metric" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "daily_rollups_pkey" PRIMARY KEY("province","ward","day","metric")
);
--> statement-breakpoint
CREATE TABLE "facility_beds" (
	"province" varchar(2) NOT NULL,
	"facility_id" text NOT NULL,
	"free_beds" integer NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "facility_beds_pkey" PRIMARY KEY("province","facility_id")
);
--> statement-breakpoint
CREATE TABLE "pending_first_calls" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"province" varchar(2) NOT NULL,
	"ward" varchar(8) NOT NULL,
	"called_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollup_totals" (
	"province" varchar(2) NOT NULL,
	"ward" varchar(8) NOT NULL,
	"metric" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "rollup_totals_pkey" PRIMARY KEY("province","ward","metric")
);
--> statement-breakpoint
CREATE TABLE "serial_intervals" (
	"id" text PRIMARY KEY NOT NULL,
	"mean_days" real NOT NULL,
	"sd_days" real NOT NULL,
	"source" text NOT NULL,
	"adopted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "serial_intervals_moments_check" CHECK ("serial_intervals"."mean_days" > 1 and "serial_intervals"."sd_days" > 0)
);
--> statement-breakpoint
CREATE INDEX "daily_rollups_province_day_idx" ON "daily_rollups" USING btree ("province","day");--> statement-breakpoint
CREATE INDEX "pending_first_calls_case_id_idx" ON "pending_first_calls" USING btree ("case_id");