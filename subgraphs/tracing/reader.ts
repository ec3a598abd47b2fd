import { hubError } from '../shared/errors.ts';
import type { Identity } from '../shared/identity.ts';
import type { TracingAccess } from './access.ts';
import { decideCase, decideContact, needsContactProvinces } from './access.ts';
import type { HealthAuditTrail } from './audit.ts';
import type { CaseRow, ContactRow } from './db/models.ts';
import type { ContactDegree } from './db/schema.ts';
import type { TracingLoaders } from './loaders.ts';
import type { CaseFilter, PersonContactStatus, TracingRepositories } from './repositories/index.ts';

/** A case as a chain returns it: `masked` when outside the caller's jurisdiction (no personal data). */
export type ChainCase = CaseRow & { masked?: true };

export interface TracingReaderDeps {
  identity: Identity;
  /** What the caller may read (access.ts `scopesOf`): lists pass these scopes to SQL. */
  access: TracingAccess;
  repos: TracingRepositories;
  loaders: TracingLoaders;
  /** The request's audit records (audit.ts). */
  audit: HealthAuditTrail;
}

/**
 * The only way resolvers read a person's health status: cases, contacts, `Person.cases` and
 * `Person.contactStatus`. ONE case or contact (`case`, `contact`, `_entities`, `Contact.case`,
 * `TracingRun.case`) is loaded, judged by the policy (access.ts), and refused with FORBIDDEN when
 * the caller may not see it, so the field answers null with an error that names no personal data.
 * Lists filter in SQL instead (loaders.ts). Every row returned, and every refusal, is recorded in
 * the request's audit trail (audit.ts: one record per person; a refusal is DENIED; rows a list
 * left out were not read and are not recorded). Ids are already well-formed here.
 */
export class TracingReader {
  constructor(private readonly deps: TracingReaderDeps) {}

  /** One case by id: null when there is none; FORBIDDEN when the caller may not read it. */
  async case(id: string): Promise<CaseRow | null> {
    const row = await this.deps.loaders.caseRow.load(id.toLowerCase());
    return row ? this.admitCase(row) : null;
  }

  /** A case row already loaded (e.g. the stored case a repeated confirmation found): itself, or FORBIDDEN. */
  async admitCase(row: CaseRow): Promise<CaseRow> {
    const { identity, loaders, audit } = this.deps;
    const contactHomeProvinces = needsContactProvinces(identity, row.provinceCode)
      ? (await loaders.contactProvincesOfCase.load(row.id)).map((r) => r.provinceCode)
      : [];
    const decision = decideCase(identity, { personId: row.personId, provinceCode: row.provinceCode, contactHomeProvinces });
    audit.record(row.personId, decision.outcome === 'DENIED' ? 'DENIED' : 'ALLOWED', ['case']);
    if (decision.outcome === 'DENIED') throw hubError('FORBIDDEN', decision.why);
    return row;
  }

  /** One contact by id: null when there is none; FORBIDDEN when the caller may not read it. */
  async contact(id: string): Promise<ContactRow | null> {
    const { identity, loaders, audit } = this.deps;
    const row = await loaders.contactRow.load(id.toLowerCase());
    if (!row) return null;
    const owner = await loaders.caseRow.load(row.caseId);
    if (!owner) throw new Error(`contact ${row.id} names missing case ${row.caseId}`); // the foreign key forbids it
    const decision = decideContact(identity, { caseProvinceCode: owner.provinceCode, homeProvinceCode: row.homeProvinceCode });
    audit.record(row.personId, decision.outcome === 'DENIED' ? 'DENIED' : 'ALLOWED', ['contact']);
    if (decision.outcome === 'DENIED') throw hubError('FORBIDDEN', decision.why);
    return row;
  }

  /** The cases the caller may see, filtered in SQL; each one returned is a read of its person's case. */
  async cases(filter: CaseFilter): Promise<CaseRow[]> {
    const rows = await this.deps.repos.cases.list(filter, this.deps.access.cases);
    for (const row of rows) this.deps.audit.record(row.personId, 'ALLOWED', ['case']);
    return rows;
  }

  /** A case's contacts the caller may see (filtered in SQL), optionally of one degree; each one returned is a read. */
  async contactsOf(caseId: string, degree: ContactDegree | null | undefined): Promise<ContactRow[]> {
    const all = await this.deps.loaders.contactsOfCase.load(caseId);
    const rows = degree ? all.filter((contact) => contact.degree === degree) : all;
    for (const row of rows) this.deps.audit.record(row.personId, 'ALLOWED', ['contact']);
    return rows;
  }

  /** `Person.cases`: the person's cases the caller may see. A read of the person's cases even when none is visible. */
  async casesOf(personId: string): Promise<CaseRow[]> {
    const rows = await this.deps.loaders.casesOfPerson.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['cases']);
    return rows;
  }

  /** `Person.contactStatus` over what the caller may see; a read whatever the status. */
  async contactStatusOf(personId: string): Promise<PersonContactStatus> {
    const status = await this.deps.loaders.contactStatus.load(personId);
    this.deps.audit.record(personId, 'ALLOWED', ['contactStatus']);
    return status;
  }

  /**
   * `transmissionChain`: the case itself must be visible (else FORBIDDEN); every other case of the
   * chain is judged by the same scope, in the chain's statement (the SQL form of the policy, as
   * lists are), and, when not visible, returned masked (`masked: true`: no person, contacts, run
   * or evidence; its id, province, dates and links remain). Each visible case is a read of its
   * person's case.
   */
  async chain(caseId: string): Promise<{ nodes: Array<{ case: ChainCase; generation: number; parentId: string | null; degree: ContactDegree | null }> } | null> {
    const root = await this.case(caseId);
    if (!root) return null;
    const { access, audit, repos } = this.deps;
    const nodes = await repos.cases.chain(root.id, access.cases);
    return {
      nodes: nodes.map(({ visible, ...node }) => {
        if (visible) audit.record(node.case.personId, 'ALLOWED', ['case']);
        return { ...node, case: visible ? node.case : { ...node.case, masked: true as const } };
      }),
    };
  }

  /** A case this request wrote (confirmCase), in the mutation's answer: a read of it like any other. */
  answered(row: CaseRow): CaseRow {
    this.deps.audit.record(row.personId, 'ALLOWED', ['case']);
    return row;
  }

  /** A case this request wrote (confirmCase): later reads of it in the request use the row. */
  prime(row: CaseRow): void {
    this.deps.loaders.caseRow.clear(row.id).prime(row.id, row);
  }
}
