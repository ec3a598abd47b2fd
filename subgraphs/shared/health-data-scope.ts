import type { Identity } from './identity.ts';
import { isUuid } from './validate.ts';

/**
 * Whose health data (test results, doses) a caller may read, as a scope that lists filter by in
 * SQL and single reads judge by. Shared by the testing and vaccination subgraphs, whose access.ts
 * say what "of one of these provinces" means for their rows.
 */
export type HealthDataScope =
  | { kind: 'ALL' }
  /** Rows of one of these provinces (never empty). */
  | { kind: 'PROVINCES'; provinces: readonly string[] }
  /** This person's own rows (a lower-case UUID). */
  | { kind: 'PERSON'; personId: string }
  | { kind: 'NONE' };

export function healthDataScopeOf(identity: Identity): HealthDataScope {
  switch (identity.role) {
    case 'national_official':
    case 'service':
      return { kind: 'ALL' };
    case 'province_official':
    case 'tracer':
      if (identity.jurisdiction === 'all') return { kind: 'ALL' };
      return identity.jurisdiction.length ? { kind: 'PROVINCES', provinces: [...identity.jurisdiction] } : { kind: 'NONE' };
    case 'citizen':
      // A subject that is no person id has no rows (and must not reach a uuid cast).
      return isUuid(identity.subject) ? { kind: 'PERSON', personId: identity.subject.toLowerCase() } : { kind: 'NONE' };
    case 'partner':
      return { kind: 'NONE' };
  }
}
