import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { DEMO_WARDS } from '../../subgraphs/units/directory.ts';

export interface SmallWorld {
  people: Array<{ id: string; provinceCode: string; wardCode: string }>;
  venues: string[];
  checkIns: Array<{ id: string; personId: string; venueId: string; in: Date; out: Date | null }>;
}

/** A seeded pseudo-random generator, so a failing oracle test can be replayed. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * People in the three demo provinces, a few venues, and check-ins over the last days, all ending
 * at least 5 hours ago (so nothing depends on the exact moment the run happens), some left open.
 */
export function smallWorld(random: () => number, now: Date, sizes = { people: 40, venues: 5, checkIns: 160 }): SmallWorld {
  const wards = DEMO_WARDS;
  const people = Array.from({ length: sizes.people }, () => {
    const ward = wards[Math.floor(random() * wards.length)]!;
    return { id: randomUUID(), provinceCode: ward.provinceCode, wardCode: ward.code };
  });
  const venues = Array.from({ length: sizes.venues }, () => randomUUID());
  const checkIns = Array.from({ length: sizes.checkIns }, () => {
    const start = new Date(now.getTime() - (9 * 3600_000 + random() * 3 * 86_400_000));
    start.setUTCSeconds(0, 0);
    const stay = Math.floor(5 + random() * 175);
    return {
      id: randomUUID(),
      personId: people[Math.floor(random() * people.length)]!.id,
      venueId: venues[Math.floor(random() * venues.length)]!,
      in: start,
      out: random() < 0.08 ? null : new Date(start.getTime() + stay * 60_000),
    };
  });
  return { people, venues, checkIns };
}

/** The national databases of a hub: an in-process Hub, or connections opened to a hub's server (tests/chaos). */
export interface NationalDatabases {
  subgraphs: ReadonlyArray<{ name: string; provinceCode?: string; database: { sql: postgres.Sql } }>;
}

/** Writes the world straight into the declarations and checkins databases of a running hub. */
export async function loadWorld(hub: NationalDatabases, world: SmallWorld): Promise<void> {
  const db = (name: string) => hub.subgraphs.find((s) => s.name === name && !s.provinceCode)!.database.sql;
  const declarations = db('declarations');
  for (const [i, p] of world.people.entries()) {
    await declarations`insert into people (id, full_name, birth_year, phone, residence_ward_code, residence_province_code)
      values (${p.id}, ${`Người thử ${i}`}, 1990, ${`09${String(i).padStart(8, '0')}`}, ${p.wardCode}, ${p.provinceCode})`;
  }
  const checkins = db('checkins');
  for (const [i, v] of world.venues.entries()) {
    await checkins`insert into venues (id, name, category, ward_code, province_code, qr_code) values (${v}, ${`Địa điểm ${i}`}, 'SHOP', '26740', '79', ${`TEST-${v}`})`;
  }
  for (const c of world.checkIns) {
    await checkins`insert into check_ins (id, person_id, venue_id, checked_in_at, checked_out_at) values (${c.id}, ${c.personId}, ${c.venueId}, ${c.in.toISOString()}::timestamptz, ${c.out?.toISOString() ?? null}::timestamptz)`;
  }
}

/**
 * The oracle: F1 and F2 by brute force over every pair of check-ins, straight from the definitions
 * (overlap a.in < b.out and b.in < a.out, open or long visits capped at the maximum stay, the
 * overlap clipped to the window and at least the minimum; F2 counted from the F1's own exposure).
 */
export function bruteForceContacts(
  world: SmallWorld,
  f0: string,
  window: { from: Date; to: Date },
  rule: { minOverlapMinutes: number; maxStayMinutes: number },
  now: Date,
): Map<string, { degree: 'F1' | 'F2'; via: string | null }> {
  const found = bruteForceContactsAt(world, f0, window, rule, now);
  return new Map([...found].map(([person, { degree, via }]) => [person, { degree, via }]));
}

/** The same oracle, with each contact's earliest exposure (`at`, ms): what their test schedule counts from. */
export function bruteForceContactsAt(
  world: SmallWorld,
  f0: string,
  window: { from: Date; to: Date },
  rule: { minOverlapMinutes: number; maxStayMinutes: number },
  now: Date,
): Map<string, { degree: 'F1' | 'F2'; via: string | null; at: number }> {
  const maxStay = rule.maxStayMinutes * 60_000;
  const out = (c: SmallWorld['checkIns'][number]) => Math.min(c.out ? c.out.getTime() : Infinity, c.in.getTime() + maxStay);
  const byPerson = new Map<string, SmallWorld['checkIns']>();
  for (const c of world.checkIns) byPerson.set(c.personId, [...(byPerson.get(c.personId) ?? []), c]);
  const minMs = rule.minOverlapMinutes * 60_000;
  /** Earliest qualifying overlap start of `subject` with each other person, inside [from, to]. */
  const exposuresOf = (subject: string, from: number, to: number) => {
    const earliest = new Map<string, number>();
    for (const a of byPerson.get(subject) ?? []) {
      for (const b of world.checkIns) {
        if (b.venueId !== a.venueId || b.personId === subject) continue;
        const start = Math.max(a.in.getTime(), b.in.getTime(), from);
        const end = Math.min(out(a), out(b), to);
        if (end > start && end - start >= minMs) earliest.set(b.personId, Math.min(earliest.get(b.personId) ?? Infinity, start));
      }
    }
    return earliest;
  };
  const result = new Map<string, { degree: 'F1' | 'F2'; via: string | null; at: number }>();
  const f1 = exposuresOf(f0, window.from.getTime(), window.to.getTime());
  for (const [person, at] of f1) result.set(person, { degree: 'F1', via: null, at });
  const f2: Map<string, { at: number; via: string }> = new Map();
  for (const [p, exposedAt] of f1) {
    for (const [q, at] of exposuresOf(p, exposedAt, now.getTime())) {
      if (q === f0 || f1.has(q)) continue;
      const known = f2.get(q);
      if (!known || at < known.at || (at === known.at && p < known.via)) f2.set(q, { at, via: p });
    }
  }
  for (const [q, { via, at }] of f2) result.set(q, { degree: 'F2', via, at });
  return result;
}
