import { provinceProfile, quarantineFacilities, testingSites, tracerTeams, tracerTeamWards, tracers, zones, zoneWards } from './db/schema.ts';
import { provinceDemoData } from './demo-data.ts';
import type { ProvinceDb } from './db/models.ts';

/**
 * Seeds a province deployment's database: the demo data for 01, 24 and 79, only the profile row
 * (no hotline) for any other province. Idempotent (fixed ids, ON CONFLICT DO NOTHING), so it runs
 * at every start and never overwrites what officials changed since.
 */
export async function seedProvinceDemo(db: ProvinceDb, provinceCode: string, now = new Date()): Promise<void> {
  const demo = provinceDemoData(provinceCode, now);
  await db.transaction(async (tx) => {
    await tx.insert(provinceProfile).values({ code: provinceCode, hotline: demo?.hotline ?? null }).onConflictDoNothing();
    if (!demo) return;
    await tx.insert(quarantineFacilities).values(demo.facilities).onConflictDoNothing();
    await tx.insert(testingSites).values(demo.testingSites).onConflictDoNothing();
    const { wardCodes: teamWards, ...team } = demo.team;
    await tx.insert(tracerTeams).values(team).onConflictDoNothing();
    await tx.insert(tracerTeamWards).values(teamWards.map((wardCode) => ({ teamId: team.id, wardCode }))).onConflictDoNothing();
    await tx.insert(tracers).values(demo.tracers).onConflictDoNothing();
    for (const { wardCodes, ...zone } of demo.zones) {
      await tx.insert(zones).values(zone).onConflictDoNothing();
      await tx.insert(zoneWards).values(wardCodes.map((wardCode) => ({ zoneId: zone.id, wardCode }))).onConflictDoNothing();
    }
  });
}
