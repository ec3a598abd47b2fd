import { describe, expect, it } from 'vitest';
import { candidateRanges, earliestContacts, type SubjectVisit, type Visit } from '../../subgraphs/checkins/first-contacts.ts';

/**
 * The in-memory half of `firstContactsOf` on hand-made visits: the cases random data rarely
 * produces (exact ties, a contact who arrived almost a maximum stay earlier, merging of ranges).
 * The integration test compares the whole look-up with a brute-force oracle.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const MAX_STAY = 4 * HOUR;
const T = Date.parse('2026-11-20T00:00:00Z');

const visit = (id: string, personId: string, venueId: string, inH: number, outH: number): Visit => ({ id, personId, venueId, inMs: T + inH * HOUR, outMs: T + outH * HOUR });
const subject = (v: Visit, fromH = -100): SubjectVisit => ({ ...v, fromMs: T + fromH * HOUR });

describe('first contacts in memory', () => {
  it('merges the ranges a venue\'s visits could be overlapped in, and skips visits too short to count', () => {
    const subjects = [
      subject(visit('m1', 'a', 'V1', 10, 11)),
      subject(visit('m2', 'b', 'V1', 12, 13)), // [8, 13) overlaps [6, 11): merged into [6, 13)
      subject(visit('m3', 'c', 'V1', 20, 21)),
      subject(visit('m4', 'd', 'V2', 10, 10.1)), // 6 minutes: shorter than the 15-minute minimum
      subject(visit('m5', 'e', 'V2', 10, 12), 11.9), // counted from 11.9 h: 6 minutes left
      subject(visit('m6', 'f', 'V3', 10, 12), 11), // counted from 11 h: [7, 12)
    ];
    const ranges = candidateRanges(subjects, Infinity, 15 * MIN, MAX_STAY).map((r) => [r.venueId, (r.afterMs - T) / HOUR, (r.beforeMs - T) / HOUR]);
    expect(ranges.sort()).toEqual([['V1', 16, 21], ['V1', 6, 13], ['V3', 7, 12]].sort());
    // The window's end cuts a visit: m3 counts only until 20.5 h.
    expect(candidateRanges(subjects.slice(2, 3), T + 20.5 * HOUR, 15 * MIN, MAX_STAY).map((r) => (r.beforeMs - T) / HOUR)).toEqual([20.5]);
  });

  it('keeps the earliest overlap per contact; ties go to the lower subject id, then the contact check-in, then the subject check-in', () => {
    const subjects = [
      subject(visit('m-b', 'b', 'V1', 9, 12)),
      subject(visit('m-a', 'a', 'V1', 9.5, 12)),
      subject(visit('m-a2', 'a', 'V1', 9.75, 12)),
    ];
    // x arrives at 10 h, after all three subjects: the overlap starts at 10 h with each of them.
    const others = [visit('o-x2', 'x', 'V1', 10, 11), visit('o-x1', 'x', 'V1', 10, 11.5), visit('o-y', 'y', 'V1', 8, 9.25)];
    const found = earliestContacts(subjects, others, { toMs: Infinity, minOverlapMs: 15 * MIN, maxStayMs: MAX_STAY });
    expect(found.map((f) => [f.contact.personId, f.subject.id, f.contact.id, (f.startMs - T) / HOUR, (f.endMs - T) / HOUR])).toEqual([
      ['x', 'm-a', 'o-x1', 10, 11.5], // a < b; o-x1 < o-x2; m-a < m-a2
      ['y', 'm-b', 'o-y', 9, 9.25], // only b was there for 15 minutes (a arrived at 9.5 h, after y left)
    ]);
  });

  it('finds a contact who arrived almost a maximum stay before the subject, and never pairs a person with themself', () => {
    const subjects = [subject(visit('m', 'a', 'V1', 10, 11))];
    const others = [
      visit('early', 'x', 'V1', 6.1, 10.1), // 4 h stay, overlaps 10.0–10.1: 6 minutes, too short
      visit('long', 'y', 'V1', 6.5, 10.5), // overlaps 10.0–10.5
      visit('self', 'a', 'V1', 10, 11),
      visit('elsewhere', 'z', 'V2', 10, 11),
    ];
    const found = earliestContacts(subjects, others, { toMs: Infinity, minOverlapMs: 15 * MIN, maxStayMs: MAX_STAY });
    expect(found.map((f) => [f.contact.id, f.endMs - f.startMs])).toEqual([['long', 30 * MIN]]);
    // With no minimum, any overlap longer than zero counts.
    expect(earliestContacts(subjects, others, { toMs: Infinity, minOverlapMs: 0, maxStayMs: MAX_STAY }).map((f) => f.contact.id).sort()).toEqual(['early', 'long']);
  });

  it('counts each subject only from their own instant and only until the end of the window', () => {
    const subjects = [subject(visit('m', 'a', 'V1', 10, 14), 12)];
    const others = [visit('before', 'x', 'V1', 10, 12.2), visit('after', 'y', 'V1', 13, 15)];
    const found = earliestContacts(subjects, others, { toMs: T + 13.5 * HOUR, minOverlapMs: 15 * MIN, maxStayMs: MAX_STAY });
    // x overlaps only 12.0–12.2 after a's instant (12 minutes); y 13.0–13.5 inside the window.
    expect(found.map((f) => [f.contact.id, (f.startMs - T) / HOUR, (f.endMs - T) / HOUR])).toEqual([['after', 13, 13.5]]);
  });
});
