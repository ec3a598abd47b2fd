import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { doseRefusal, readRefusal, statusRefusal } from './access.ts';
import type { VaccinationAuditTrail } from './audit.ts';
import type { DoseRow } from './db/models.ts';
import type { VaccinationStatus } from './db/schema.ts';
import type { VaccinationLoaders } from './loaders.ts';

export interface VaccinationReaderDeps {
  identity: Identity;
  loaders: VaccinationLoaders;
  audit: VaccinationAuditTrail;
}

/**
 * The only way resolvers read doses and statuses. One dose (`dose`, `_entities`) or a status is
 * loaded, judged by the policy (access.ts) and refused with FORBIDDEN when the caller may not see
 * it; lists are filtered in SQL (loaders.ts), and refused whole for a site. Every read, and every
 * refusal, is recorded in the request's audit trail (one record per person). Ids are well-formed here.
 */
export class VaccinationReader {
  constructor(private readonly deps: VaccinationReaderDeps) {}

  async dose(id: string): Promise<DoseRow | null> {
    const { identity, loaders, audit } = this.deps;
    const row = await loaders.doseRow.load(id.toLowerCase());
    if (!row) return null;
    const refusal = doseRefusal(identity, row);
    audit.record(row.personId, refusal ? 'DENIED' : 'ALLOWED', ['dose']);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    return row;
  }

  async dosesOf(personId: string): Promise<DoseRow[]> {
    this.refuseSite(personId, 'vaccinations');
    const rows = await this.deps.loaders.dosesOfPerson.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['vaccinations']);
    return rows;
  }

  /** NONE when no dose is recorded (nothing to protect); a recorded status only within the caller's scope. */
  async statusOf(personId: string): Promise<VaccinationStatus> {
    this.refuseSite(personId, 'vaccinationStatus');
    const row = await this.deps.loaders.statusRow.load(personId);
    const refusal = row ? statusRefusal(this.deps.identity, personId, row.provinceCode) : null;
    this.deps.audit.record(personId, refusal ? 'DENIED' : 'ALLOWED', ['vaccinationStatus']);
    if (refusal) throw hubError('FORBIDDEN', refusal);
    return row?.status ?? 'NONE';
  }

  private refuseSite(personId: string, field: 'vaccinations' | 'vaccinationStatus'): void {
    const refusal = readRefusal(this.deps.identity);
    if (!refusal) return;
    this.deps.audit.record(personId, 'DENIED', [field]);
    throw hubError('FORBIDDEN', refusal);
  }
}
