import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';

/**
 * Who may read the analytics figures: the one place the analytics subgraph decides it. Pure.
 * The figures are aggregates (counts, no person), for officials:
 *
 * | caller                         | figures                                                        |
 * |--------------------------------|----------------------------------------------------------------|
 * | national_official, service     | the nation and every province                                  |
 * | province_official              | their provinces (nationwide too if their jurisdiction is all)  |
 * | tracer, citizen, partner       | none (FORBIDDEN)                                               |
 */
export type AnalyticsScope = { kind: 'ALL' } | { kind: 'PROVINCES'; provinces: readonly string[] } | { kind: 'NONE' };

export function scopeOf(identity: Identity): AnalyticsScope {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return { kind: 'ALL' };
    case 'province_official':
      if (identity.jurisdiction === 'all') return { kind: 'ALL' };
      return identity.jurisdiction.length ? { kind: 'PROVINCES', provinces: [...identity.jurisdiction] } : { kind: 'NONE' };
    default:
      return { kind: 'NONE' };
  }
}

/** Refuses (FORBIDDEN) a read of the nation (`province` null) or of a province outside the caller's scope. */
export function requireMayRead(identity: Identity, province: string | null): void {
  const scope = scopeOf(identity);
  if (scope.kind === 'ALL') return;
  if (scope.kind === 'NONE') throw hubError('FORBIDDEN', 'The analytics figures are for national and provincial officials.');
  if (province === null) throw hubError('FORBIDDEN', 'Nationwide figures are for national officials; name one of your provinces.', { argument: 'province' });
  if (!scope.provinces.includes(province)) throw hubError('FORBIDDEN', `Province ${province} is outside your jurisdiction.`, { province });
}

/** The provinces a caller's lists cover: null for every province; FORBIDDEN for callers with none. */
export function provincesMayRead(identity: Identity): readonly string[] | null {
  const scope = scopeOf(identity);
  if (scope.kind === 'NONE') throw hubError('FORBIDDEN', 'The analytics figures are for national and provincial officials.');
  return scope.kind === 'ALL' ? null : scope.provinces;
}
