import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { requireUuid } from '../shared/validate.ts';
import { statusRefusal, readRefusal } from './access.ts';
import type { VaccinationAuditTrail } from './audit.ts';
import { vietnamDay } from './certificates/payload.ts';
import type { GraphInputs } from './graph-inputs.ts';
import { evaluateHealthPass, healthPassFacts, type HealthPassDecision } from './health-pass.ts';
import type { VaccinationLoaders } from './loaders.ts';
import type { VaccinationRepositories } from './repositories/index.ts';

export interface HealthPass extends HealthPassDecision {
  evaluatedAt: Date;
}

/**
 * `Person.healthPass`: whoever may read the person's vaccination status may read their pass (the
 * same policy, audited as `healthPass`); it is then computed from the whole picture, the other
 * subgraphs' inputs read through the graph as the service (graph-inputs.ts says why).
 */
export async function healthPassOf(
  deps: { identity: Identity; repos: VaccinationRepositories; loaders: VaccinationLoaders; audit: VaccinationAuditTrail; inputs: GraphInputs },
  personIdArg: string,
  now = new Date(),
): Promise<HealthPass> {
  const personId = requireUuid(personIdArg, 'id').toLowerCase();
  const status = await deps.loaders.statusRow.load(personId);
  // Without a dose the person has no province here: their residence (declarations) decides instead.
  const province = status?.provinceCode ?? (readRefusal(deps.identity) ? null : await residenceFor(deps, personId));
  const refusal = readRefusal(deps.identity) ?? statusRefusal(deps.identity, personId, province ?? '');
  deps.audit.record(personId, refusal ? 'DENIED' : 'ALLOWED', ['healthPass']);
  if (refusal) throw hubError('FORBIDDEN', refusal);
  const [rules, inputs] = await Promise.all([deps.repos.healthPassRules.all(), deps.inputs.health(personId)]);
  const facts = healthPassFacts({ vaccinationStatus: status?.status ?? 'NONE', ...inputs, today: vietnamDay(now) });
  return { ...evaluateHealthPass(rules, facts, now), evaluatedAt: now };
}

/** The residence province, asked only of callers whose answer depends on it (a citizen's own, nationwide roles do not). */
async function residenceFor(deps: { identity: Identity; inputs: GraphInputs }, personId: string): Promise<string | null> {
  const { role, jurisdiction } = deps.identity;
  if (role === 'citizen' || role === 'national_official' || role === 'service' || jurisdiction === 'all') return null;
  return deps.inputs.residenceProvince(personId);
}
