import type { ExposureQuery } from '../../subgraphs/checkins/repositories/index.ts';
import type { ExposureRule } from '../../subgraphs/checkins/rule.ts';

// ---------------------------------------------------------------------------------------------
// A small random data set and the obvious O(n²) computation to compare the exposure SQL against.

export interface Visit {
  id: string;
  personId: string;
  venueId: string;
  checkedInAt: Date;
  checkedOutAt: Date | null;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const BASE = Date.parse('2025-06-01T00:00:00Z');

export function randomVisits(seed: number, people: string[], venues: string[], count: number): Visit[] {
  const random = mulberry32(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const visits: Visit[] = [];
  for (let i = 0; i < count; i++) {
    // Within 16 hours, to the second, so overlaps are common and minutes are not always whole.
    const inAt = BASE + Math.floor(random() * 16 * 3600) * 1000;
    const roll = random();
    // 20 % open (no check-out), some longer than the 4 h maximum stay, some zero-length.
    const out = roll < 0.2 ? null : roll < 0.3 ? inAt + (240 + Math.floor(random() * 300)) * 60_000 : roll < 0.33 ? inAt : inAt + Math.floor(random() * 180 * 60) * 1000;
    visits.push({ id: uuid(`ee${String(seed % 100).padStart(2, '0')}0000`, i + 1), personId: pick(people), venueId: pick(venues), checkedInAt: new Date(inAt), checkedOutAt: out === null ? null : new Date(out) });
  }
  return visits;
}

export interface OraclePair {
  checkInId: string;
  contactCheckInId: string;
  contactId: string;
  venueId: string;
  start: number;
  minutes: number;
}

/** Every exposure of `personId`, by the definition (visits overlap when each arrived before the other left). */
export function exposurePairs(visits: Visit[], personId: string, query: ExposureQuery, rule: ExposureRule): OraclePair[] {
  const maxStay = rule.maxStayMinutes * 60_000;
  const effOut = (v: Visit) => Math.min(v.checkedOutAt?.getTime() ?? v.checkedInAt.getTime() + maxStay, v.checkedInAt.getTime() + maxStay);
  const pairs: OraclePair[] = [];
  for (const a of visits) {
    if (a.personId !== personId) continue;
    for (const b of visits) {
      if (b.venueId !== a.venueId || b.personId === personId) continue;
      if (!(a.checkedInAt.getTime() < effOut(b) && b.checkedInAt.getTime() < effOut(a))) continue;
      const start = Math.max(a.checkedInAt.getTime(), b.checkedInAt.getTime(), query.from?.getTime() ?? -Infinity);
      const end = Math.min(effOut(a), effOut(b), query.to?.getTime() ?? Infinity);
      if (end > start && end - start >= query.minOverlapMinutes * 60_000) {
        pairs.push({ checkInId: a.id, contactCheckInId: b.id, contactId: b.personId, venueId: a.venueId, start, minutes: Math.floor((end - start) / 60_000) });
      }
    }
  }
  return pairs;
}

/** `exposurePairs` as check-in pair → overlap minutes. */
export function bruteForce(visits: Visit[], personId: string, query: ExposureQuery, rule: ExposureRule): Map<string, number> {
  return new Map(exposurePairs(visits, personId, query, rule).map((p) => [`${p.checkInId}|${p.contactCheckInId}`, p.minutes]));
}
