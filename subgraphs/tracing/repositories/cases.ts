import { and, asc, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CaseRow, TracingDb } from '../db/models.ts';
import { infectiousWindow } from '../rules.ts';
import { NATIONWIDE, type CaseScope } from '../access.ts';
import { visibleCases } from './visibility.ts';
import { CaseIdConflictError, UnknownContactRuleError } from './errors.ts';
import { anyUuid } from '../../shared/sql.ts';

/** A confirmation that has passed validation (see validation.ts): ids and codes are well-formed. */
export interface ConfirmCaseCommand {
  id: string;
  personId: string;
  provinceCode: string;
  confirmedAt: Date;
  onsetAt: Date | null;
  ruleName: string;
}

export interface CaseFilter {
  provinceCode?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

/** Confirmed cases (F0) and their confirmation, which also queues the case's tracing run. */
export class CaseRepository {
  constructor(private readonly db: TracingDb) {}

  /**
   * Cases by id, whoever asks: for the tracing worker, and for the reader (reader.ts), which
   * decides each single read itself (a case that exists but is not visible is FORBIDDEN, not null).
   */
  byIds(ids: readonly string[]): Promise<CaseRow[]> {
    return this.db.select().from(schema.cases).where(anyUuid(schema.cases.id, ids));
  }

  /**
   * The cases of the given people that `visible` admits (the caller's scope, access.ts; the loaders
   * always pass it), newest confirmation first.
   */
  async byPersonIds(personIds: readonly string[], visible: CaseScope = NATIONWIDE.cases): Promise<CaseRow[]> {
    if (personIds.length === 0 || visible.kind === 'NONE') return [];
    return this.db
      .select()
      .from(schema.cases)
      .where(and(anyUuid(schema.cases.personId, personIds), visibleCases(visible)))
      .orderBy(desc(schema.cases.confirmedAt), asc(schema.cases.id));
  }

  /** Cases confirmed in [from, to), optionally in one province, that `visible` admits, newest first. */
  async list(filter: CaseFilter, visible: CaseScope = NATIONWIDE.cases): Promise<CaseRow[]> {
    if (visible.kind === 'NONE') return [];
    const allowed = visibleCases(visible);
    const conditions: SQL[] = allowed ? [allowed] : [];
    if (filter.provinceCode) conditions.push(eq(schema.cases.provinceCode, filter.provinceCode));
    if (filter.from) conditions.push(gte(schema.cases.confirmedAt, filter.from));
    if (filter.to) conditions.push(lt(schema.cases.confirmedAt, filter.to));
    return this.db
      .select()
      .from(schema.cases)
      .where(and(...conditions))
      .orderBy(desc(schema.cases.confirmedAt), desc(schema.cases.id))
      .limit(filter.limit);
  }

  /**
   * Stores a confirmed case and its QUEUED tracing run in one transaction. Idempotent on the
   * client id: a repeat returns the stored case with `created: false` and writes nothing.
   * Throws UnknownContactRuleError or CaseIdConflictError (nothing written) for the resolver to map.
   *
   * Hook point: enqueuing the tracing job is NOT done here (a queue is not part of this
   * transaction); the caller runs `afterConfirm` (see server.ts) once this has committed.
   */
  async confirm(command: ConfirmCaseCommand): Promise<{ case: CaseRow; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const [rule] = await tx.select().from(schema.contactRules).where(eq(schema.contactRules.name, command.ruleName));
      if (!rule) throw new UnknownContactRuleError(command.ruleName);
      const window = infectiousWindow(rule, command.confirmedAt, command.onsetAt);
      const [inserted] = await tx
        .insert(schema.cases)
        .values({
          id: command.id,
          personId: command.personId,
          provinceCode: command.provinceCode,
          confirmedAt: command.confirmedAt,
          onsetAt: command.onsetAt,
          ...window,
          ruleName: rule.name,
        })
        .onConflictDoNothing({ target: schema.cases.id })
        .returning();
      if (inserted) {
        await tx.insert(schema.tracingRuns).values({ id: inserted.id, status: 'QUEUED' });
        return { case: inserted, created: true };
      }
      // A concurrent confirmation with the same id waited on the primary key and then did
      // nothing, so the row it conflicted with is committed and visible to this statement.
      const [existing] = await tx.select().from(schema.cases).where(eq(schema.cases.id, command.id));
      if (!existing) throw new Error(`case ${command.id} conflicted but cannot be read`);
      if (existing.personId !== command.personId) throw new CaseIdConflictError(command.id);
      return { case: existing, created: false };
    });
  }
}
