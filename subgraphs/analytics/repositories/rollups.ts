import { sql } from 'drizzle-orm';
import { vietnamDay, type DomainEvent } from '../../shared/events.ts';
import { textArray, toDate, uuidArray } from '../../shared/sql.ts';
import type { AnalyticsDb, AnalyticsTx } from '../db/models.ts';
import { ALL } from '../db/schema.ts';
import { atAreas, firstCallIncrements, incrementsOf, LEVEL_SET, LEVELS, mergeIncrements, type Increment } from '../rollup.ts';

type FirstCall = { taskId: string; caseId: string; province: string; ward: string; calledAt: Date };

/** The rollups' writer: applies domain events once each (the consumer in jobs/index.ts calls it). */
export class RollupRepository {
  constructor(private readonly db: AnalyticsDb) {}

  /**
   * Applies a batch of events in one transaction: the ids not seen before are recorded in
   * `processed_events` and only those events count, so a replayed event changes nothing and a
   * late one adds to the day it belongs to. Returns how many events were new.
   */
  async apply(events: readonly DomainEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const inserted = await tx.execute<{ id: string }>(sql`
        insert into processed_events (id, type)
        select * from unnest(${uuidArray(events.map((e) => e.id))}, ${textArray(events.map((e) => e.type))})
        on conflict (id) do nothing returning id`);
      const fresh = new Set(inserted.map((r) => r.id));
      const todo = events.filter((e) => fresh.delete(e.id));
      if (todo.length === 0) return 0;

      const increments: Increment[] = todo.flatMap(incrementsOf);
      const confirmed = todo.flatMap((e) => (e.type === 'case.confirmed' ? [{ caseId: e.payload.caseId, confirmedAt: e.payload.confirmedAt }] : []));
      if (confirmed.length) {
        await tx.execute(sql`
          insert into case_confirmations (case_id, confirmed_at)
          select * from unnest(${uuidArray(confirmed.map((c) => c.caseId))}, ${textArray(confirmed.map((c) => c.confirmedAt))}::timestamptz[])
          on conflict (case_id) do nothing`);
      }
      const calls: FirstCall[] = todo.flatMap((e) =>
        e.type === 'task.status_changed' && e.payload.firstCallAt
          ? [{ taskId: e.payload.taskId, caseId: e.payload.caseId, province: e.province ?? '', ward: e.ward ?? '', calledAt: new Date(e.payload.firstCallAt) }]
          : [],
      );
      increments.push(...(await this.firstCalls(tx, calls, confirmed.map((c) => c.caseId))));
      for (const e of todo) if (e.type === 'facility.occupancy_changed') increments.push(...(await this.facility(tx, e)));
      await this.add(tx, mergeIncrements(increments));
      return todo.length;
    });
  }

  /**
   * First calls counted by hours from their case's confirmation: now if it is known, else parked
   * until the `case.confirmed` event arrives (another producer: it may come later); and the parked
   * calls of the cases confirmed in this batch.
   */
  private async firstCalls(tx: AnalyticsTx, calls: readonly FirstCall[], confirmedNow: readonly string[]): Promise<Increment[]> {
    const out: Increment[] = [];
    if (calls.length) {
      const known = await tx.execute<{ case_id: string; confirmed_at: string }>(sql`
        select case_id, confirmed_at from case_confirmations where case_id = any(${uuidArray([...new Set(calls.map((c) => c.caseId))])})`);
      const at = new Map(known.map((k) => [k.case_id, toDate(k.confirmed_at)]));
      const parked = calls.filter((c) => !at.has(c.caseId));
      for (const c of calls) if (at.has(c.caseId)) out.push(...firstCallIncrements(c.province, c.ward, c.calledAt, at.get(c.caseId)!));
      if (parked.length) {
        await tx.execute(sql`
          insert into pending_first_calls (task_id, case_id, province, ward, called_at)
          select * from unnest(${uuidArray(parked.map((c) => c.taskId))}, ${uuidArray(parked.map((c) => c.caseId))}, ${textArray(parked.map((c) => c.province))},
                               ${textArray(parked.map((c) => c.ward))}, ${textArray(parked.map((c) => c.calledAt.toISOString()))}::timestamptz[])
          on conflict (task_id) do nothing`);
      }
    }
    if (confirmedNow.length) {
      const resolved = await tx.execute<{ province: string; ward: string; called_at: string; confirmed_at: string }>(sql`
        delete from pending_first_calls p using case_confirmations c
        where p.case_id = c.case_id and p.case_id = any(${uuidArray(confirmedNow)})
        returning p.province, p.ward, p.called_at, c.confirmed_at`);
      for (const r of resolved) out.push(...firstCallIncrements(r.province, r.ward, toDate(r.called_at), toDate(r.confirmed_at)));
    }
    return out;
  }

  /** Free beds change by the difference from the facility's previous report; a report older than the stored one changes nothing. */
  private async facility(tx: AnalyticsTx, e: Extract<DomainEvent, { type: 'facility.occupancy_changed' }>): Promise<Increment[]> {
    const province = e.province ?? '';
    const [previous] = await tx.execute<{ free_beds: number; occurred_at: string }>(sql`
      select free_beds, occurred_at from facility_beds where province = ${province} and facility_id = ${e.payload.facilityId} for update`);
    const occurredAt = new Date(e.occurredAt);
    if (previous && toDate(previous.occurred_at).getTime() >= occurredAt.getTime()) return [];
    await tx.execute(sql`
      insert into facility_beds (province, facility_id, free_beds, occurred_at) values (${province}, ${e.payload.facilityId}, ${e.payload.freeBeds}, ${e.occurredAt}::timestamptz)
      on conflict (province, facility_id) do update set free_beds = excluded.free_beds, occurred_at = excluded.occurred_at`);
    return atAreas(vietnamDay(occurredAt), e.province, e.ward, 'free_beds', e.payload.freeBeds - (previous?.free_beds ?? 0));
  }

  /**
   * Adds merged increments: the nation's and the provinces' to their day rows and the levels' to
   * their totals, the wards' to their days (`wards`); a few statements whatever the batch.
   */
  private async add(tx: AnalyticsTx, increments: readonly Increment[]): Promise<void> {
    await this.wards(tx, increments.filter((i) => i.ward !== ALL));
    const areas = increments.filter((i) => i.ward === ALL);
    if (areas.length === 0) return;
    const col = (f: (i: Increment) => string) => textArray(areas.map(f));
    await tx.execute(sql`
      insert into daily_rollups (day, province, ward, metric, value)
      select d::date, p, w, m, v from unnest(${col((i) => i.day)}, ${col((i) => i.province)}, ${col((i) => i.ward)}, ${col((i) => i.metric)}, ${sql.param(areas.map((i) => i.delta))}::bigint[]) as u(d, p, w, m, v)
      on conflict (province, ward, day, metric) do update set value = daily_rollups.value + excluded.value`);
    const levels = mergeIncrements(areas.filter((i) => LEVEL_SET.has(i.metric)).map((i) => ({ ...i, day: '' })));
    if (levels.length === 0) return;
    const lcol = (f: (i: Increment) => string) => textArray(levels.map(f));
    await tx.execute(sql`
      insert into rollup_totals (province, ward, metric, value)
      select * from unnest(${lcol((i) => i.province)}, ${lcol((i) => i.ward)}, ${lcol((i) => i.metric)}, ${sql.param(levels.map((i) => i.delta))}::bigint[])
      on conflict (province, ward, metric) do update set value = rollup_totals.value + excluded.value`);
  }

  /**
   * Adds the wards' increments to `ward_days`: a row for each ward day they touch (carrying the
   * levels of the ward's latest earlier row), each day's counts on its row, and each level's change
   * on its day and every later row of the ward (a count's change only on its day's row: a late
   * upload's hundreds of day-and-ward events would otherwise rewrite every later row of their wards
   * unchanged). Each increment meets its own day's row by key, and a level's also the later rows
   * (two branches of a union: with one OR'ed join condition each of a tally's hundreds of counts
   * scanned every day of its ward, ~30 % of the statement). The wards' advisory locks (taken in one order) keep
   * a second consumer from carrying levels that this batch is about to change.
   */
  private async wards(tx: AnalyticsTx, increments: readonly Increment[]): Promise<void> {
    if (increments.length === 0) return;
    const col = (f: (i: Increment) => string) => textArray(increments.map(f));
    const batch = sql`unnest(${col((i) => i.province)}, ${col((i) => i.ward)}, ${col((i) => i.day)}::date[], ${col((i) => i.metric)}, ${sql.param(increments.map((i) => i.delta))}::bigint[]) as i(province, ward, day, metric, delta)`;
    await tx.execute(sql`
      select pg_advisory_xact_lock(k) from (select distinct hashtextextended('ward_days/' || province || '/' || ward, 0) as k from ${batch} order by k) s`);
    await tx.execute(sql`
      insert into ward_days (province, ward, day, counts, running)
      select t.province, t.ward, t.day, '{}', coalesce((
        select r.running from ward_days r where r.province = t.province and r.ward = t.ward and r.day < t.day order by r.day desc limit 1
      ), '{}')
      from (select distinct province, ward, day from ${batch}) t
      where not exists (select from ward_days e where e.province = t.province and e.ward = t.ward and e.day = t.day)
      on conflict (province, ward, day) do nothing`);
    await tx.execute(sql`
      update ward_days r set counts = jsonb_sum(r.counts, u.counts), running = jsonb_sum(r.running, u.running)
      from (
        select province, ward, day,
               coalesce(jsonb_object_agg(metric, today) filter (where today <> 0), '{}') as counts,
               coalesce(jsonb_object_agg(metric, upto) filter (where metric = any(${textArray(LEVELS)}) and upto <> 0), '{}') as running
        from (
          select r.province, r.ward, r.day, i.metric, sum(i.delta) filter (where i.day = r.day) as today, sum(i.delta) as upto
          from (select province, ward, day, metric, delta, day as on_day from ${batch}
                union all
                select i.province, i.ward, i.day, i.metric, i.delta, later.day
                from ${batch} cross join lateral (select r.day from ward_days r where r.province = i.province and r.ward = i.ward and r.day > i.day) later
                where i.metric = any(${textArray(LEVELS)})) i
          join ward_days r on r.province = i.province and r.ward = i.ward and r.day = i.on_day
          group by 1, 2, 3, 4
        ) s group by 1, 2, 3
      ) u
      where r.province = u.province and r.ward = u.ward and r.day = u.day`);
  }
}
