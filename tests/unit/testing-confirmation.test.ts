import { describe, expect, it } from 'vitest';
import { automaticCaseId, DEFAULT_CONFIRMATION_RULES, evidenceFor, vietnamDatePlus, type Positive } from '../../subgraphs/testing/confirmation.ts';

const H = 3_600_000;
const t0 = Date.parse('2026-03-01T00:00:00Z');
const positive = (id: string, kind: Positive['kind'], hours: number): Positive => ({ id, kind, collectedAt: new Date(t0 + hours * H), resultedAt: new Date(t0 + hours * H + H) });

describe('confirmation rules (testing/confirmation.ts)', () => {
  it('one positive PCR confirms; its evidence is that result', () => {
    const pcr = positive('a', 'PCR', 0);
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [pcr], pcr)).toEqual({ rule: 'pcr-1', evidence: [pcr] });
  });

  it('two positive rapid tests within 48 h confirm, with the closest other one; one alone or 49 h apart does not', () => {
    const [r1, r2, r3] = [positive('r1', 'RAPID_ANTIGEN', 0), positive('r2', 'RAPID_ANTIGEN', 30), positive('r3', 'RAPID_ANTIGEN', 47)];
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [r1], r1)).toBeNull();
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [r1, r3], r3)).toEqual({ rule: 'rapid-2-48h', evidence: [r1, r3] });
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [r1, r2, r3], r3)).toEqual({ rule: 'rapid-2-48h', evidence: [r2, r3] });
    const far = positive('far', 'RAPID_ANTIGEN', 49);
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [r1, far], far)).toBeNull();
    // A PCR does not pair with a rapid test.
    expect(evidenceFor(DEFAULT_CONFIRMATION_RULES, [positive('p', 'PCR', 1), r1], r1)).toBeNull();
  });

  it('makes the same case id for the same person and evidence, in any order, and another for other evidence', () => {
    const person = '0b6f3c1e-0000-4000-8000-000000000001';
    const id = automaticCaseId(person, ['b', 'a']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(automaticCaseId(person.toUpperCase(), ['a', 'b'])).toBe(id);
    expect(automaticCaseId(person, ['a'])).not.toBe(id);
  });

  it('counts due days in Vietnam time (UTC+7)', () => {
    expect(vietnamDatePlus(new Date('2026-03-01T16:59:00Z'), 1)).toBe('2026-03-02');
    expect(vietnamDatePlus(new Date('2026-03-01T17:00:00Z'), 1)).toBe('2026-03-03');
    expect(vietnamDatePlus(new Date('2026-02-28T20:00:00Z'), 7)).toBe('2026-03-08');
  });
});
