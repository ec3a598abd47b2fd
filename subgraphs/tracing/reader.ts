import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import { decideCase, decideContact, needsContactProvinces } from './access.ts';
import type { CaseRow, ContactRow } from './db/models.ts';
import type { TracingLoaders } from './loaders.ts';

/**
 * The only way resolvers read ONE case or contact (`case`, `contact`, `_entities`, `Contact.case`,
 * `TracingRun.case`): the row is loaded, judged by the policy (access.ts), and refused with
 * FORBIDDEN when the caller may not see it, so the field answers null with an error that names no
 * personal data. Lists filter in SQL instead (loaders.ts). Ids are already well-formed here.
 */
export class TracingReader {
  constructor(
    private readonly identity: Identity,
    private readonly loaders: TracingLoaders,
  ) {}

  /** One case by id: null when there is none; FORBIDDEN when the caller may not read it. */
  async case(id: string): Promise<CaseRow | null> {
    const row = await this.loaders.caseRow.load(id.toLowerCase());
    return row ? this.admitCase(row) : null;
  }

  /** A case row already loaded (e.g. the stored case a repeated confirmation found): itself, or FORBIDDEN. */
  async admitCase(row: CaseRow): Promise<CaseRow> {
    const contactHomeProvinces = needsContactProvinces(this.identity, row.provinceCode)
      ? (await this.loaders.contactProvincesOfCase.load(row.id)).map((r) => r.provinceCode)
      : [];
    const decision = decideCase(this.identity, { personId: row.personId, provinceCode: row.provinceCode, contactHomeProvinces });
    if (decision.outcome === 'DENIED') throw hubError('FORBIDDEN', decision.why);
    return row;
  }

  /** One contact by id: null when there is none; FORBIDDEN when the caller may not read it. */
  async contact(id: string): Promise<ContactRow | null> {
    const row = await this.loaders.contactRow.load(id.toLowerCase());
    if (!row) return null;
    const owner = await this.loaders.caseRow.load(row.caseId);
    if (!owner) throw new Error(`contact ${row.id} names missing case ${row.caseId}`); // the foreign key forbids it
    const decision = decideContact(this.identity, { caseProvinceCode: owner.provinceCode, homeProvinceCode: row.homeProvinceCode });
    if (decision.outcome === 'DENIED') throw hubError('FORBIDDEN', decision.why);
    return row;
  }

  /** A case this request wrote (confirmCase): later reads of it in the request use the row. */
  prime(row: CaseRow): void {
    this.loaders.caseRow.clear(row.id).prime(row.id, row);
  }
}
