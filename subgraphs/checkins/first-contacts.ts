/**
 * Earliest close contact per person met, computed in memory from two indexed reads (see
 * ExposureRepository.firstContactsOf): the asked-about people's visits, and every other visit at
 * the same venues in the time ranges those visits could overlap.
 *
 * Why not one SQL join: F2 of a crowd is a few thousand visits at the same busy market at the same
 * hours. Joined visit by visit, PostgreSQL walks the venue index once per asked-about visit, over
 * the same rows each time: 3 million index entries and 1.3 million pairs to keep 12,000 contacts
 * at 10M check-ins (1.3 s, measured). Merged per venue first, the same answer needs 20,000 index
 * entries, and pairing them here costs a few nanoseconds per pair instead of the executor's
 * hundreds.
 *
 * The overlap rule is the SQL one in ExposureRepository.exposures, on effective times: a visit ends
 * at its check-out, or at check-in + maximum stay if there is none, and never later than that. The
 * overlap of a subject's visit `m` and another visit `o` runs from max(m.in, o.in, m.from) to
 * min(m.out, o.out, to); it counts when longer than zero and at least the minimum overlap.
 */

/** A visit with its effective end (ms since the epoch). */
export interface Visit {
  id: string;
  personId: string;
  venueId: string;
  inMs: number;
  outMs: number;
}

/** An asked-about person's visit, and when their overlaps start to count (e.g. their own exposure). */
export interface SubjectVisit extends Visit {
  fromMs: number;
}

/** A time range of check-ins at one venue: check-in strictly after `afterMs` and strictly before `beforeMs`. */
export interface VenueRange {
  venueId: string;
  afterMs: number;
  beforeMs: number;
}

export interface FirstContact<S extends SubjectVisit = SubjectVisit, V extends Visit = Visit> {
  subject: S;
  contact: V;
  startMs: number;
  endMs: number;
}

/** The part of a subject's visit that can count: [max(in, from), min(out, to)). */
const countedStart = (m: SubjectVisit) => Math.max(m.inMs, m.fromMs);
const countedEnd = (m: SubjectVisit, toMs: number) => Math.min(m.outMs, toMs);

/**
 * Where another visit overlapping the subjects' visits by at least `minOverlapMs` must have checked
 * in, per venue, with overlapping ranges merged: after the counted start minus the maximum stay
 * (no visit lasts longer) and before the counted end. Visits whose counted part is too short are
 * left out.
 */
export function candidateRanges(subjects: readonly SubjectVisit[], toMs: number, minOverlapMs: number, maxStayMs: number): VenueRange[] {
  const byVenue = new Map<string, Array<[number, number]>>();
  for (const m of subjects) {
    const start = countedStart(m);
    const end = countedEnd(m, toMs);
    if (end - start <= 0 || end - start < minOverlapMs) continue;
    let ranges = byVenue.get(m.venueId);
    if (!ranges) byVenue.set(m.venueId, (ranges = []));
    ranges.push([start - maxStayMs, end]);
  }
  const merged: VenueRange[] = [];
  for (const [venueId, ranges] of byVenue) {
    ranges.sort((a, b) => a[0] - b[0]);
    let [after, before] = ranges[0]!;
    for (const [a, b] of ranges.slice(1)) {
      if (a < before) {
        before = Math.max(before, b);
      } else {
        merged.push({ venueId, afterMs: after, beforeMs: before });
        [after, before] = [a, b];
      }
    }
    merged.push({ venueId, afterMs: after, beforeMs: before });
  }
  return merged;
}

/**
 * For every person met (other than the subject of the visit), the earliest qualifying overlap:
 * by overlap start, then the subject's id, the contact's check-in id and the subject's check-in id
 * (ids compared as lower-case text, which orders UUIDs as PostgreSQL does). Ordered by subject,
 * overlap start and contact check-in id, as the exposure statement orders its rows.
 *
 * A crowd makes millions of candidate pairs, so the loop allocates nothing per pair: each venue's
 * subject visits sit in arrays sorted by counted start, and for another visit `o` only those
 * starting within a maximum stay before o's check-in (an earlier one has ended: no visit counts
 * for longer) up to o's check-out are looked at, stopping once none can start earlier than the
 * best found.
 */
export function earliestContacts<S extends SubjectVisit, V extends Visit>(
  subjects: readonly S[],
  others: readonly V[],
  { toMs, minOverlapMs, maxStayMs }: { toMs: number; minOverlapMs: number; maxStayMs: number },
): Array<FirstContact<S, V>> {
  const venues = new Map<string, VenueVisits<S>>();
  const byVenue = new Map<string, S[]>();
  for (const m of subjects) {
    if (countedEnd(m, toMs) <= countedStart(m)) continue;
    let list = byVenue.get(m.venueId);
    if (!list) byVenue.set(m.venueId, (list = []));
    list.push(m);
  }
  for (const [venueId, list] of byVenue) {
    list.sort((a, b) => countedStart(a) - countedStart(b));
    venues.set(venueId, {
      visits: list,
      starts: Float64Array.from(list, countedStart),
      ends: Float64Array.from(list, (m) => countedEnd(m, toMs)),
    });
  }

  const best = new Map<string, FirstContact<S, V>>();
  for (const o of others) {
    const venue = venues.get(o.venueId);
    if (!venue) continue;
    const { visits, starts, ends } = venue;
    let found = -1;
    let foundStart = Infinity;
    for (let i = firstAfter(starts, o.inMs - maxStayMs); i < starts.length && starts[i]! < o.outMs && starts[i]! <= foundStart; i++) {
      const start = Math.max(starts[i]!, o.inMs);
      const end = Math.min(ends[i]!, o.outMs);
      if (end <= start || end - start < minOverlapMs || visits[i]!.personId === o.personId) continue;
      if (start < foundStart || (start === foundStart && compareVisits(visits[i]!, visits[found]!) < 0)) {
        found = i;
        foundStart = start;
      }
    }
    if (found < 0) continue;
    const candidate = { subject: visits[found]!, contact: o, startMs: foundStart, endMs: Math.min(ends[found]!, o.outMs) };
    const current = best.get(o.personId);
    if (!current || earlier(candidate, current)) best.set(o.personId, candidate);
  }
  return [...best.values()].sort(
    (a, b) => compareText(a.subject.personId, b.subject.personId) || a.startMs - b.startMs || compareText(a.contact.id, b.contact.id),
  );
}

interface VenueVisits<S> {
  visits: S[];
  starts: Float64Array;
  ends: Float64Array;
}

/** The index of the first element greater than `value` in an ascending array. */
function firstAfter(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Two subject visits giving the same overlap start with one contact visit: the lower person id, then check-in id. */
const compareVisits = (a: Visit, b: Visit) => compareText(a.personId, b.personId) || compareText(a.id, b.id);

function earlier(a: FirstContact, b: FirstContact): boolean {
  return (a.startMs - b.startMs || compareText(a.subject.personId, b.subject.personId) || compareText(a.contact.id, b.contact.id) ||
    compareText(a.subject.id, b.subject.id)) < 0;
}
