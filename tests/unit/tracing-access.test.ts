import { describe, expect, it } from 'vitest';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import {
  admitsCase,
  admitsContact,
  confirmRefusal,
  decideCase,
  decideContact,
  needsContactProvinces,
  scopesOf,
  type CaseFacts,
  type ContactFacts,
} from '../../subgraphs/tracing/access.ts';

const AN = '0b6f3c1e-0000-4000-8000-000000000001';
const who = (patch: Partial<Identity>): Identity => ({ subject: 'u', role: 'citizen', jurisdiction: [], scopes: [], purpose: null, ...patch });
const outcome = (d: { outcome: string }) => d.outcome;

/** The demo case: An, confirmed in 79, with contacts living in 79 (Bình), 01 (Châu, Long) and 24 (Dũng). */
const demoCase: CaseFacts = { personId: AN, provinceCode: '79', contactHomeProvinces: ['79', '01', '24'] };
/** A case confirmed in 01 whose contacts all live in 01, and one whose contacts are not placed yet. */
const hanoiCase: CaseFacts = { personId: AN, provinceCode: '01', contactHomeProvinces: ['01'] };
const unplacedCase: CaseFacts = { personId: AN, provinceCode: '01', contactHomeProvinces: [] };

const official = (...provinces: string[]) => who({ role: 'province_official', jurisdiction: provinces });
const tracer = (...provinces: string[]) => who({ role: 'tracer', jurisdiction: provinces, wards: ['26740'] });

describe('the case access policy', () => {
  const rows: Array<[string, Identity, CaseFacts, 'VISIBLE' | 'DENIED']> = [
    ['national official: any case', who({ role: 'national_official', jurisdiction: 'all' }), hanoiCase, 'VISIBLE'],
    ['service: any case', who({ role: 'service', jurisdiction: 'all' }), hanoiCase, 'VISIBLE'],
    ['official of the confirming province', official('79'), demoCase, 'VISIBLE'],
    ["official of a contact's home province", official('24'), demoCase, 'VISIBLE'],
    ['official of one of several provinces, one of them a home province', official('31', '01'), demoCase, 'VISIBLE'],
    ['official of a province with no link to the case', official('31'), demoCase, 'DENIED'],
    ['official of 79, case confirmed and lived in 01', official('79'), hanoiCase, 'DENIED'],
    ['official of 79, case in 01 with unplaced contacts', official('79'), unplacedCase, 'DENIED'],
    ['official without provinces', official(), demoCase, 'DENIED'],
    ['tracer of the confirming province', tracer('79'), demoCase, 'VISIBLE'],
    ["tracer of a contact's home province", tracer('01'), demoCase, 'VISIBLE'],
    ['tracer of a province with no link', tracer('31'), demoCase, 'DENIED'],
    ['citizen, their own case', who({ role: 'citizen', subject: AN }), hanoiCase, 'VISIBLE'],
    ["citizen, another person's case", who({ role: 'citizen', subject: '0b6f3c1e-0000-4000-8000-000000000002' }), demoCase, 'DENIED'],
    ['partner, even with cases:read', who({ role: 'partner', jurisdiction: ['79'], scopes: ['cases:read'] }), demoCase, 'DENIED'],
  ];
  it.each(rows)('%s', (_name, identity, facts, expected) => {
    expect(outcome(decideCase(identity, facts))).toBe(expected);
    // The list filter (its SQL is repositories/visibility.ts) and the single read agree.
    expect(admitsCase(scopesOf(identity).cases, facts)).toBe(expected === 'VISIBLE');
  });

  it('loads the contact home provinces only when the confirming province is not enough', () => {
    expect(needsContactProvinces(official('79'), '79')).toBe(false);
    expect(needsContactProvinces(official('79'), '01')).toBe(true);
    expect(needsContactProvinces(tracer('24'), '79')).toBe(true);
    expect(needsContactProvinces(who({ role: 'national_official', jurisdiction: 'all' }), '01')).toBe(false);
    expect(needsContactProvinces(who({ role: 'citizen', subject: AN }), '01')).toBe(false);
    // Without them, an official of a home province is refused: the reader must load them.
    expect(outcome(decideCase(official('24'), { ...demoCase, contactHomeProvinces: [] }))).toBe('DENIED');
  });

  it('explains a refusal without naming the case, its person or its provinces', () => {
    for (const identity of [official('31'), who({ role: 'citizen', subject: 'x' }), who({ role: 'partner' })]) {
      const decision = decideCase(identity, demoCase);
      expect(decision.outcome).toBe('DENIED');
      if (decision.outcome === 'DENIED') {
        expect(decision.why).not.toMatch(/79|01|24|0b6f3c1e/);
        expect(decision.why.length).toBeGreaterThan(10);
      }
    }
  });
});

describe('the contact access policy', () => {
  const ofDemoCase = (home: string | null): ContactFacts => ({ caseProvinceCode: '79', homeProvinceCode: home });
  const rows: Array<[string, Identity, ContactFacts, 'VISIBLE' | 'DENIED']> = [
    ['national official: any contact', who({ role: 'national_official', jurisdiction: 'all' }), ofDemoCase('01'), 'VISIBLE'],
    ['service: any contact', who({ role: 'service', jurisdiction: 'all' }), ofDemoCase(null), 'VISIBLE'],
    ["official of the case's province: a contact living elsewhere", official('79'), ofDemoCase('01'), 'VISIBLE'],
    ["official of the case's province: a contact not placed", official('79'), ofDemoCase(null), 'VISIBLE'],
    ["official of the contact's home province", official('01'), ofDemoCase('01'), 'VISIBLE'],
    ["official of 24: a contact of the same case living in 01", official('24'), ofDemoCase('01'), 'DENIED'],
    ["official of 24: a contact not placed", official('24'), ofDemoCase(null), 'DENIED'],
    ["tracer of the contact's home province", tracer('24'), ofDemoCase('24'), 'VISIBLE'],
    ['tracer of another province', tracer('31'), ofDemoCase('24'), 'DENIED'],
    ['citizen: no contacts, not even of their own case', who({ role: 'citizen', subject: AN }), ofDemoCase('79'), 'DENIED'],
    ['partner: none', who({ role: 'partner', scopes: ['cases:read'] }), ofDemoCase('79'), 'DENIED'],
  ];
  it.each(rows)('%s', (_name, identity, facts, expected) => {
    expect(outcome(decideContact(identity, facts))).toBe(expected);
    expect(admitsContact(scopesOf(identity).contacts, facts)).toBe(expected === 'VISIBLE');
  });

  it("of a visible case, an official sees all contacts in the case's province, otherwise only their own province's", () => {
    const homes = ['79', '01', '01', '24', null];
    const seen = (identity: Identity) => homes.filter((home) => admitsContact(scopesOf(identity).contacts, ofDemoCase(home)));
    expect(seen(official('79'))).toEqual(homes);
    expect(seen(official('01'))).toEqual(['01', '01']);
    expect(seen(official('24'))).toEqual(['24']);
    expect(seen(official('01', '24'))).toEqual(['01', '01', '24']);
  });

  it('a visible contact always belongs to a visible case', () => {
    for (const identity of [official('79'), official('01'), official('24'), official('31'), tracer('01')]) {
      for (const home of ['79', '01', '24', '31', null]) {
        if (!admitsContact(scopesOf(identity).contacts, ofDemoCase(home))) continue;
        const owner: CaseFacts = { personId: AN, provinceCode: '79', contactHomeProvinces: home ? [home] : [] };
        expect(admitsCase(scopesOf(identity).cases, owner), `${identity.jurisdiction} ${home}`).toBe(true);
      }
    }
  });
});

describe('confirming a case', () => {
  it('a province official only for a province of their jurisdiction; others as before', () => {
    expect(confirmRefusal(official('79'), '79')).toBeNull();
    expect(confirmRefusal(official('79', '01'), '01')).toBeNull();
    expect(confirmRefusal(official('79'), '01')).toMatch(/jurisdiction/);
    expect(confirmRefusal(official(), '79')).toMatch(/jurisdiction/);
    expect(confirmRefusal(who({ role: 'national_official', jurisdiction: 'all' }), '01')).toBeNull();
    expect(confirmRefusal(who({ role: 'service', jurisdiction: 'all' }), '01')).toBeNull();
  });
});
