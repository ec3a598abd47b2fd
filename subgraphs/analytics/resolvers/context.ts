import type { Identity } from '../../shared/identity.ts';
import type { Briefing } from '../briefing.ts';

export interface AnalyticsContext {
  identity: Identity;
  /** The figures, read from the rollups (briefing.ts). */
  briefing: Briefing;
}
