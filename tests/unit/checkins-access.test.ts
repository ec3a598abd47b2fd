import { describe, expect, it } from 'vitest';
import { admits, decide, type CheckInFacts, type RowFilter } from '../../subgraphs/checkins/access.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';

const CHAU = '0b6f3c1e-0000-4000-8000-000000000003';
const who = (patch: Partial<Identity>): Identity => ({ subject: 'u', role: 'citizen', jurisdiction: [], scopes: [], purpose: null, ...patch });
/** Châu (01) checking in at a venue in 01 (Hà Nội) and at one in 79 (TP. Hồ Chí Minh). */
const at01: CheckInFacts = { personId: CHAU, venueProvinceCode: '01' };
const at79: CheckInFacts = { personId: CHAU, venueProvinceCode: '79' };

describe('the check-in access policy', () => {
  // [row, caller, check-in at a 01 venue, at a 79 venue, exposure at a 01 venue, at a 79 venue]
  const rows: Array<[string, Identity, boolean, boolean, boolean, boolean]> = [
    ['national official: everything', who({ role: 'national_official', jurisdiction: 'all' }), true, true, true, true],
    ['service: everything', who({ role: 'service', jurisdiction: 'all' }), true, true, true, true],
    ['province official of 79: only at venues in 79, whoever checked in', who({ role: 'province_official', jurisdiction: ['79'] }), false, true, false, true],
    ['province official of 01 and 24: only at venues in 01', who({ role: 'province_official', jurisdiction: ['01', '24'] }), true, false, true, false],
    ['province official without provinces: nothing', who({ role: 'province_official', jurisdiction: [] }), false, false, false, false],
    ['tracer of 79: only at venues in 79', who({ role: 'tracer', jurisdiction: ['79'], wards: ['26740'] }), false, true, false, true],
    ['tracer of 01: only at venues in 01', who({ role: 'tracer', jurisdiction: ['01'] }), true, false, true, false],
    ['citizen, themselves: their check-ins anywhere, no exposures', who({ role: 'citizen', subject: CHAU.toUpperCase() }), true, true, false, false],
    ['citizen, someone else: nothing', who({ role: 'citizen', subject: '0b6f3c1e-0000-4000-8000-000000000001' }), false, false, false, false],
    ['citizen whose subject is no person id: nothing', who({ role: 'citizen', subject: 'citizen-1' }), false, false, false, false],
    ['partner, even with exposures:read: nothing', who({ role: 'partner', jurisdiction: ['79'], scopes: ['exposures:read', 'checkins:write'] }), false, false, false, false],
  ];
  it.each(rows)('%s', (_name, identity, checkIn01, checkIn79, exposure01, exposure79) => {
    const access = decide(identity);
    expect([admits(access.checkIns, at01), admits(access.checkIns, at79)]).toEqual([checkIn01, checkIn79]);
    expect([admits(access.exposures, at01), admits(access.exposures, at79)]).toEqual([exposure01, exposure79]);
  });

  it('gives the repositories filters they can put into SQL', () => {
    expect(decide(who({ role: 'national_official', jurisdiction: 'all' }))).toEqual({ checkIns: { kind: 'ALL' }, exposures: { kind: 'ALL' } });
    const official = decide(who({ role: 'province_official', jurisdiction: ['79', '01'] }));
    expect(official.checkIns).toEqual({ kind: 'VENUE_PROVINCES', provinces: ['79', '01'] });
    expect(official.exposures).toEqual(official.checkIns);
    // An empty province list is NONE (no query at all), never an empty `= any('{}')`.
    expect(decide(who({ role: 'tracer', jurisdiction: [] }))).toEqual({ checkIns: { kind: 'NONE' }, exposures: { kind: 'NONE' } });
    // The citizen's id is lower-cased, as person ids are stored.
    expect(decide(who({ role: 'citizen', subject: CHAU.toUpperCase() })).checkIns).toEqual({ kind: 'PERSON', personId: CHAU });
  });

  it('a person filter matches the person, not the venue', () => {
    const own: RowFilter = { kind: 'PERSON', personId: CHAU };
    expect(admits(own, { personId: CHAU, venueProvinceCode: '24' })).toBe(true);
    expect(admits(own, { personId: '0b6f3c1e-0000-4000-8000-000000000004', venueProvinceCode: '01' })).toBe(false);
  });
});
