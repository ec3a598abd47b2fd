-- The exposure search (who else was at this venue while I was there?) is a range scan on
-- (venue_id, checked_in_at) bounded by the rule's maximum stay. Including checked_out_at and
-- person_id makes it an index-only scan. drizzle-kit cannot express INCLUDE, so the index is
-- created here and deliberately not declared in subgraphs/checkins/db/schema.ts.
CREATE INDEX IF NOT EXISTS "check_ins_venue_checked_in_idx" ON "check_ins" USING btree ("venue_id", "checked_in_at") INCLUDE ("checked_out_at", "person_id");
