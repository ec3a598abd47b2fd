import { and, asc, desc, eq, gte, lt, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import * as schema from '../db/schema.ts';
import type { CaseRow, TracingDb } from '../db/models.ts';
import { infectiousWindow } from '../rules.ts';
import { NATIONWIDE, type CaseScope } from '../access.ts';
import { scopePlaceholders, scopePlaceholderValues, visibleCases, visibleCasesOfKind } from './visibility.ts';
import { CaseIdConflictError, UnknownContactRuleError } from './errors.ts';
import { anyUuid, keysMatch, keysValue } from '../../shared/sql.ts';
import { vietnamDay } from '../../shared/events.ts';
import { writeEvents } from '../../shared/outbox.ts';

/** A confirmation that has passed validation (see validation.ts): ids and codes are well-formed. */
export interface ConfirmCaseCommand {
  id: string;
  personId: string;
  provinceCode: string;
  confirmedAt: Date;
  onsetAt: Date | null;
  ruleName: string;
  /** Test result ids of an automatic confirmation (sorted); empty when confirmed by hand. */
  evidence?: string[];
}

/** One case of a transmission chain, with its generation and the case it came from. */
export interface ChainNode {
  case: CaseRow;
  generation: number;
  /** The case whose contact this case's person was (via `infected_by_contact_id`), and as which degree. */
  parentId: string | null;
  degree: 'F1' | 'F2' | null;
  /** Whether the scope the chain was read with admits the case (access.ts `admitsCase`). */
  visible: boolean;
}

/** Whether a scope admits the row of `cases` in the statement, as a boolean column. */
const admitted = (scope: CaseScope): SQL => (scope.kind === 'NONE' ? sql`false` : (visibleCases(scope) ?? sql`true`));

/** Chains deeper than this are cut (the links always point to earlier cases, so this is only a guard). */
const MAX_CHAIN_DEPTH = 10_000;

/** A CONFIRMED case is still open at `at` when confirmed less than its contact rule's case_open_days before. */
const openAt = (at: Date): SQL =>
  sql`${schema.cases.confirmedAt} > ${at.toISOString()}::timestamptz - (select r.case_open_days from ${schema.contactRules} r where r.name = ${schema.cases.ruleName}) * interval '1 day'`;

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
    return this.byPersonIdsQuery(personIds.length === 1, visible.kind).execute({ keys: keysValue(personIds), ...scopePlaceholderValues('cases', visible) });
  }

  /** byPersonIds' statement per shape (one person or more, the scope's kind), built once with placeholders (shared/sql.ts StatementsByShape says why). */
  private readonly byPersonIdsQueries = new Map<string, { execute(values: Record<string, unknown>): Promise<CaseRow[]> }>();
  private byPersonIdsQuery(one: boolean, kind: Exclude<CaseScope['kind'], 'NONE'>) {
    const shape = `${one ? 'one' : 'many'}_${kind.toLowerCase()}`;
    let query = this.byPersonIdsQueries.get(shape);
    if (!query) {
      query = this.db
        .select()
        .from(schema.cases)
        .where(and(keysMatch(schema.cases.personId, one, 'uuid'), visibleCasesOfKind(kind, scopePlaceholders('cases'))))
        .orderBy(desc(schema.cases.confirmedAt), asc(schema.cases.id))
        .prepare(`cases_by_person_ids_${shape}`);
      this.byPersonIdsQueries.set(shape, query);
    }
    return query;
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
      // One confirmation of a person at a time: the open-case check below must see the other's case.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${command.personId}))`);
      const evidence = command.evidence ?? [];
      if (evidence.length > 0) {
        // An automatic confirmation opens no second case for a person with an open one: CONFIRMED
        // and confirmed less than its rule's case_open_days before (later: a re-infection).
        const [open] = await tx.select().from(schema.cases)
          .where(and(eq(schema.cases.personId, command.personId), eq(schema.cases.status, 'CONFIRMED'), ne(schema.cases.id, command.id), openAt(command.confirmedAt)))
          .orderBy(asc(schema.cases.confirmedAt)).limit(1);
        if (open) return { case: open, created: false };
      }
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
          evidenceResultIds: evidence,
          // The chain's link: the earliest contact record of this person in an earlier open case.
          infectedByContactId: sql`(select k.id from ${schema.contacts} k join ${schema.cases} c on c.id = k.case_id
            where k.person_id = ${command.personId}::uuid and c.status = 'CONFIRMED' and c.confirmed_at <= ${command.confirmedAt.toISOString()}::timestamptz
              and c.confirmed_at > ${command.confirmedAt.toISOString()}::timestamptz - (select r.case_open_days from ${schema.contactRules} r where r.name = c.rule_name) * interval '1 day'
              and c.person_id <> ${command.personId}::uuid
            order by k.overlap_start, k.id limit 1)`,
        })
        .onConflictDoNothing({ target: schema.cases.id })
        .returning();
      if (inserted) {
        await tx.insert(schema.tracingRuns).values({ id: inserted.id, status: 'QUEUED' });
        await writeEvents(tx, [{
          type: 'case.confirmed', occurredAt: inserted.confirmedAt, province: inserted.provinceCode, ward: null,
          payload: { caseId: inserted.id, confirmedAt: inserted.confirmedAt.toISOString(), onsetDay: inserted.onsetAt ? vietnamDay(inserted.onsetAt) : null },
        }]);
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

  /** Marks a case REJECTED with a reason; a case already rejected keeps its first reason. Returns the row, or null if there is none. */
  async reject(caseId: string, reason: string, at: Date): Promise<CaseRow | null> {
    await this.db.transaction(async (tx) => {
      const [rejected] = await tx.update(schema.cases).set({ status: 'REJECTED', rejectedReason: reason, rejectedAt: at })
        .where(and(eq(schema.cases.id, caseId), eq(schema.cases.status, 'CONFIRMED'))).returning();
      // Counted out of the day it was confirmed on.
      if (rejected) await writeEvents(tx, [{
        type: 'case.rejected', occurredAt: at, day: vietnamDay(rejected.confirmedAt), province: rejected.provinceCode, ward: null,
        payload: { caseId, rejectedAt: at.toISOString(), onsetDay: rejected.onsetAt ? vietnamDay(rejected.onsetAt) : null },
      }]);
    });
    const [row] = await this.byIds([caseId]);
    return row ?? null;
  }

  /**
   * The chain around a case, in one statement: its ancestors (each case's `infected_by_contact_id`
   * names a contact row, whose case is the parent) up to the first case, then everything descending
   * from the given case, joined to the cases' rows. Generation 0 is the first case found upward.
   * Each case says whether `scope` admits it, judged in the same statement (a province official's
   * scope looks at each case's contacts' homes: one probe of the contacts index per case).
   */
  async chain(caseId: string, scope: CaseScope): Promise<ChainNode[]> {
    const link = alias(schema.contacts, 'link');
    const nodes = sql`(
      with recursive up(id, depth) as (
        select id, 0 from cases where id = ${caseId}::uuid
        union
        select k.case_id, up.depth - 1 from up join cases c on c.id = up.id join contacts k on k.id = c.infected_by_contact_id
        where up.depth > ${sql.raw(String(-MAX_CHAIN_DEPTH))}
      ),
      down(id, depth) as (
        select id, 0 from cases where id = ${caseId}::uuid
        union
        select child.id, down.depth + 1 from down join contacts k on k.case_id = down.id join cases child on child.infected_by_contact_id = k.id
        where down.depth < ${sql.raw(String(MAX_CHAIN_DEPTH))}
      ),
      nodes as (select id, min(depth) as depth from (select * from up union all select * from down) n group by id)
      select id, (depth - min(depth) over ())::int as depth from nodes
    ) as chain_nodes`;
    const rows = await this.db
      .select({ case: schema.cases, depth: sql<number>`chain_nodes.depth`, parentId: link.caseId, degree: link.degree, visible: sql<boolean>`${admitted(scope)}` })
      .from(nodes)
      .innerJoin(schema.cases, sql`${schema.cases.id} = chain_nodes.id`)
      .leftJoin(link, eq(link.id, schema.cases.infectedByContactId))
      .orderBy(sql`chain_nodes.depth`, asc(schema.cases.confirmedAt), asc(schema.cases.id));
    const inChain = new Set(rows.map((r) => r.case.id));
    return rows.map((r) => ({
      case: r.case,
      generation: r.depth,
      parentId: r.parentId && inChain.has(r.parentId) ? r.parentId : null,
      degree: r.parentId && inChain.has(r.parentId) ? r.degree : null,
      visible: r.visible,
    }));
  }

  /**
   * The people already followed in this case's chain: the people of its open (CONFIRMED) ancestor
   * cases and those cases' contacts. The tracing run does not task them again.
   */
  async followedInAncestors(caseId: string): Promise<Set<string>> {
    const rows = await this.db.execute<{ person_id: string }>(sql`
      with recursive up(id, depth) as (
        select k.case_id, 1 from cases c join contacts k on k.id = c.infected_by_contact_id where c.id = ${caseId}::uuid
        union
        select k.case_id, up.depth + 1 from up join cases c on c.id = up.id join contacts k on k.id = c.infected_by_contact_id
        where up.depth < ${sql.raw(String(MAX_CHAIN_DEPTH))}
      )
      select k.person_id from up join cases c on c.id = up.id join contacts k on k.case_id = c.id
      where c.status = 'CONFIRMED' and c.id <> ${caseId}::uuid
      union
      select c.person_id from up join cases c on c.id = up.id where c.status = 'CONFIRMED'`);
    return new Set(rows.map((r) => r.person_id));
  }
}
