import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEALTH_PASS_RULES,
  evaluateHealthPass,
  healthPassFacts,
  type HealthPassFacts,
  type HealthPassRule,
} from '../../subgraphs/vaccination/health-pass.ts';

const H = 3_600_000;
const D = 24 * H;
const now = new Date('2026-03-15T05:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const facts = (over: Partial<HealthPassFacts> = {}): HealthPassFacts => ({ vaccinationStatus: 'NONE', infectedAt: null, latestNegativeAt: null, underFollowUp: false, ...over });
const judge = (over: Partial<HealthPassFacts>) => evaluateHealthPass(DEFAULT_HEALTH_PASS_RULES, facts(over), now);

describe('health pass rule (vaccination/health-pass.ts)', () => {
  it('vaccination alone: FULL and BOOSTED green, PARTIAL yellow, NONE yellow, each with its reason', () => {
    expect(judge({ vaccinationStatus: 'FULL' })).toEqual({ color: 'GREEN', rule: 'vaccinated', reason: 'Đã tiêm đủ liều vắc xin / Fully vaccinated' });
    expect(judge({ vaccinationStatus: 'BOOSTED' }).rule).toBe('vaccinated');
    expect(judge({ vaccinationStatus: 'PARTIAL' })).toMatchObject({ color: 'YELLOW', rule: 'partial' });
    expect(judge({})).toMatchObject({ color: 'YELLOW', rule: 'unknown' });
  });

  it('a negative test counts for 72 hours, not one second more, and not from the future', () => {
    expect(judge({ latestNegativeAt: ago(72 * H - 1000) })).toMatchObject({ color: 'GREEN', rule: 'negative-72h' });
    expect(judge({ latestNegativeAt: ago(72 * H) })).toMatchObject({ color: 'YELLOW', rule: 'unknown' });
    expect(judge({ latestNegativeAt: new Date(now.getTime() + H) }).rule).toBe('unknown');
    expect(judge({ vaccinationStatus: 'PARTIAL', latestNegativeAt: ago(H) }).rule).toBe('negative-72h');
  });

  it('an infection: red under 14 days (even fully vaccinated), recovered green from 14 to 180 days, nothing after', () => {
    expect(judge({ infectedAt: ago(0), vaccinationStatus: 'BOOSTED' })).toMatchObject({ color: 'RED', rule: 'f0-active' });
    expect(judge({ infectedAt: ago(14 * D - 1000) }).rule).toBe('f0-active');
    expect(judge({ infectedAt: ago(14 * D) })).toMatchObject({ color: 'GREEN', rule: 'recovered' });
    expect(judge({ infectedAt: ago(180 * D - 1000) }).rule).toBe('recovered');
    expect(judge({ infectedAt: ago(180 * D) }).rule).toBe('unknown');
    // A negative test after the positive does not end the 14 days.
    expect(judge({ infectedAt: ago(3 * D), latestNegativeAt: ago(H) }).rule).toBe('f0-active');
  });

  it('a close contact under follow-up is red whatever the vaccination or tests', () => {
    expect(judge({ underFollowUp: true, vaccinationStatus: 'BOOSTED', latestNegativeAt: ago(H) })).toMatchObject({ color: 'RED', rule: 'f1-follow-up' });
  });

  it('the rule is data: another table (reordered, other thresholds) gives other answers', () => {
    const strict: HealthPassRule[] = DEFAULT_HEALTH_PASS_RULES.map((r) =>
      r.name === 'negative-72h' ? { ...r, negativeWithinHours: 24 } : r.name === 'unknown' ? { ...r, color: 'RED' } : r,
    );
    const f = facts({ latestNegativeAt: ago(30 * H) });
    expect(evaluateHealthPass(DEFAULT_HEALTH_PASS_RULES, f, now).color).toBe('GREEN');
    expect(evaluateHealthPass(strict, f, now)).toMatchObject({ color: 'RED', rule: 'unknown' });
    // Priority, not the order of the rows, decides.
    expect(evaluateHealthPass([...DEFAULT_HEALTH_PASS_RULES].reverse(), facts({ underFollowUp: true, vaccinationStatus: 'FULL' }), now).rule).toBe('f1-follow-up');
    // No row holds: yellow, "not enough information".
    expect(evaluateHealthPass([], f, now)).toMatchObject({ color: 'YELLOW', rule: '' });
  });

  it('facts: the latest positive or confirmed case is the infection, the latest negative counts, follow-up while a due day is today or later', () => {
    const f = healthPassFacts({
      vaccinationStatus: 'PARTIAL',
      tests: [
        { result: 'NEGATIVE', collectedAt: ago(50 * H) },
        { result: 'NEGATIVE', collectedAt: ago(5 * H) },
        { result: 'POSITIVE', collectedAt: ago(40 * D) },
        { result: 'INCONCLUSIVE', collectedAt: ago(H) },
      ],
      caseConfirmations: [ago(20 * D)],
      f1DueDays: ['2026-03-10', '2026-03-15'],
      today: '2026-03-15',
    });
    expect(f).toEqual({ vaccinationStatus: 'PARTIAL', infectedAt: ago(20 * D), latestNegativeAt: ago(5 * H), underFollowUp: true });
    expect(healthPassFacts({ vaccinationStatus: 'NONE', tests: [], caseConfirmations: [], f1DueDays: ['2026-03-14'], today: '2026-03-15' })).toEqual(facts());
  });
});
