ALTER TABLE "contacts" ADD COLUMN "home_province_code" varchar(2);--> statement-breakpoint
CREATE INDEX "contacts_home_province_case_idx" ON "contacts" USING btree ("home_province_code","case_id");