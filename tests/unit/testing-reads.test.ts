import { describe, expect, it } from 'vitest';
import type { Identity, Role } from '../../subgraphs/shared/identity.ts';
import { mayReadTestAuditTrail, provinceDayRefusal } from '../../subgraphs/testing/access.ts';
import { vietnamDay } from '../../subgraphs/testing/repositories/site-results.ts';
import { requireDay } from '../../subgraphs/testing/validation.ts';

const who = (role: Role, jurisdiction: Identity['jurisdiction'], scopes: string[] = []): Identity => ({
  subject: role === 'citizen' ? '0b6f3c1e-0000-4000-8000-00000000000a' : `${role}-1`, role, jurisdiction, scopes, purpose: null,
});

describe('testing reads: who may read a day, the audit trail, and the day argument', () => {
  it("a province's day (testing list, a site's results and counts) is for national, services, and the province's officials and tracers", () => {
    expect(provinceDayRefusal(who('national_official', 'all'), '01')).toBeNull();
    expect(provinceDayRefusal(who('service', 'all'), '01')).toBeNull();
    expect(provinceDayRefusal(who('province_official', ['01', '79']), '01')).toBeNull();
    expect(provinceDayRefusal(who('tracer', ['01']), '01')).toBeNull();
    expect(provinceDayRefusal(who('province_official', ['79']), '01')).toMatch(/province 01/);
    expect(provinceDayRefusal(who('province_official', []), '01')).not.toBeNull();
    expect(provinceDayRefusal(who('citizen', []), '01')).not.toBeNull();
    expect(provinceDayRefusal(who('partner', 'all', ['tests:read']), '01')).toMatch(/Labs/);
  });

  it('the audit trail of test reads needs audit:read, and for a province official a person they may see', () => {
    expect(mayReadTestAuditTrail(who('national_official', 'all', ['audit:read']), false)).toBe(true);
    expect(mayReadTestAuditTrail(who('national_official', 'all'), true)).toBe(false);
    expect(mayReadTestAuditTrail(who('province_official', ['01'], ['audit:read']), true)).toBe(true);
    expect(mayReadTestAuditTrail(who('province_official', ['01'], ['audit:read']), false)).toBe(false);
    expect(mayReadTestAuditTrail(who('tracer', ['01'], ['audit:read']), true)).toBe(false);
    expect(mayReadTestAuditTrail(who('citizen', [], ['audit:read']), true)).toBe(false);
  });

  it('a day is a real YYYY-MM-DD date, spanning 24 hours from midnight in Vietnam', () => {
    expect(requireDay('2026-12-05')).toBe('2026-12-05');
    expect(requireDay('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-05', '05/12/2026', '2026-12-05T00:00', '']) {
      expect(() => requireDay(bad), bad).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
    expect(vietnamDay('2026-12-05')).toEqual({ start: new Date('2026-12-04T17:00:00Z'), end: new Date('2026-12-05T17:00:00Z') });
  });
});
