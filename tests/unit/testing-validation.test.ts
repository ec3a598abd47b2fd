import { describe, expect, it } from 'vitest';
import { validateTestResult, type TestResultInput } from '../../subgraphs/testing/validation.ts';

const NOW = new Date('2025-08-01T10:00:00Z');
const A = '0b6f3c1e-0000-4000-8000-00000000000a';
const B = '0b6f3c1e-0000-4000-8000-00000000000b';
const lab = { subject: 'lab-a', isPartner: true };
const input = (patch: Partial<TestResultInput> = {}): TestResultInput => ({
  sampleId: 'S-1', personId: A, kind: 'PCR', result: 'NEGATIVE',
  collectedAt: new Date('2025-08-01T06:00:00Z'), resultedAt: new Date('2025-08-01T09:00:00Z'), ...patch,
});
const rejection = (patch: Partial<TestResultInput>, uploader = lab) => {
  const checked = validateTestResult(input(patch), uploader, NOW);
  return checked.ok ? null : [checked.rejection.code, checked.rejection.field];
};

describe('testing: the checks of one uploaded result', () => {
  it('accepts a valid row, the lab being the partner itself', () => {
    const checked = validateTestResult(input({ personId: A.toUpperCase(), ctValue: 25 }), lab, NOW);
    expect(checked).toMatchObject({ ok: true, sample: { lab: 'lab-a', members: [A], pooled: false, ctValue: 25, retestRequired: false } });
  });

  it('reports each problem with its code and field', () => {
    expect(rejection({ sampleId: ' ' })).toEqual(['BAD_ROW', 'sampleId']);
    expect(rejection({ personId: 'x' })).toEqual(['BAD_ROW', 'personId']);
    expect(rejection({ lab: 'lab-b' })).toEqual(['BAD_ROW', 'lab']);
    expect(rejection({ kind: 'RAPID_ANTIGEN', ctValue: 20 })).toEqual(['BAD_ROW', 'ctValue']);
    expect(rejection({ ctValue: 0 })).toEqual(['BAD_ROW', 'ctValue']);
    expect(rejection({ testingSite: { province: '79', id: 'site-1' } })).toEqual(['UNKNOWN_TESTING_SITE', 'testingSite']);
    expect(rejection({ resultedAt: new Date('2025-08-01T05:00:00Z') })).toEqual(['RESULTED_BEFORE_COLLECTED', 'resultedAt']);
    expect(rejection({ collectedAt: new Date('2025-08-01T11:00:00Z'), resultedAt: new Date('2025-08-01T11:00:00Z') })).toEqual(['TIME_IN_FUTURE', 'collectedAt']);
  });

  it('a national official may name the lab; a partner may not name another', () => {
    const checked = validateTestResult(input({ lab: 'lab-b' }), { subject: 'official', isPartner: false }, NOW);
    expect(checked).toMatchObject({ ok: true, sample: { lab: 'lab-b' } });
  });

  it('a pool names the row person among 2 to 10 distinct members; only a negative pool needs no re-test', () => {
    expect(rejection({ pool: { members: [B] } })).toEqual(['BAD_ROW', 'pool']);
    expect(rejection({ pool: { members: [A, A] } })).toEqual(['BAD_ROW', 'pool']);
    expect(rejection({ pool: { members: [A] } })).toEqual(['BAD_ROW', 'pool']);
    const positive = validateTestResult(input({ result: 'POSITIVE', pool: { members: [B, A] } }), lab, NOW);
    expect(positive).toMatchObject({ ok: true, sample: { members: [A, B], pooled: true, retestRequired: true } });
    const negative = validateTestResult(input({ pool: { members: [B, A] } }), lab, NOW);
    expect(negative).toMatchObject({ ok: true, sample: { pooled: true, retestRequired: false } });
  });
});
