import postgres from 'postgres';
import type { RunningServices } from '../../hub/services.ts';
import { databaseName, databaseUrl } from '../../subgraphs/shared/db.ts';
import type { ReadKind, Workload, WriteKind } from './workload.ts';

export interface FaultRecord {
  name: string;
  affects: ReadKind[];
  writes: WriteKind[] | 'runs' | 'tasks';
  startedAt: number;
  /** When the part answered again (its /health, PostgreSQL or Redis accepting connections, the proxy passing). */
  backAt: number;
}

export interface RunReport {
  summary: string;
  details: string[];
  failures: string[];
  totals: Record<string, number>;
  recoveries: Array<{ fault: string; ms: number | null; what: string }>;
  reads: Record<string, Record<string, number>>;
}

/** A fault's reads are judged from its start until the part has been back for this long (the gateway's probes, the pools' reconnects). */
const READ_GRACE_MS = 5_000;

/**
 * The checks after a chaos run, against the clients' own log and every database: what was
 * answered accepted is stored exactly once; every confirmed case has a finished run; every
 * contact's task is in its home province's shard exactly once; no process exited by itself; reads
 * away from the failed part kept answering, and those touching it answered with coded errors; the
 * first write after each fault came within the target of the part being back.
 */
export async function checkRun(options: {
  postgresUrl: string;
  prefix: string;
  provinces: readonly string[];
  faultyProvince: string;
  workload: Workload;
  faults: FaultRecord[];
  services: RunningServices;
  settleMs: number;
  recoveryTargetMs: number;
  say: (line: string) => void;
}): Promise<RunReport> {
  const { workload, faults } = options;
  const failures: string[] = [];
  const details: string[] = [];
  const open = (subgraph: string, province?: string) => postgres(databaseUrl(options.postgresUrl, databaseName(options.prefix, subgraph, province)), { max: 1, onnotice: () => {} });
  const checkins = open('checkins');
  const testing = open('testing');
  const tracing = open('tracing');
  const shards = new Map(options.provinces.map((code) => [code, open('province', code)]));
  try {
    const acceptedOf = (kind: WriteKind) => workload.writes.filter((w) => w.kind === kind).flatMap((w) => w.acceptedIds);
    const sent = workload.writes.reduce((n, w) => n + w.ids.length, 0);
    const pending = workload.writes.filter((w) => w.outcome === 'pending' || w.outcome === 'gave-up');
    if (pending.length > 0) failures.push(`${pending.length} write(s) never answered (${pending.map((w) => w.kind).join(', ')})`);
    const refused = workload.writes.filter((w) => w.outcome === 'refused');
    if (refused.length > 0) failures.push(`${refused.length} write(s) refused: ${[...new Set(refused.flatMap((w) => w.codes))].join(', ') || 'no row accepted'}`);

    // Stored exactly once: each accepted id counted in its table; any id stored twice anywhere.
    const checkinIds = acceptedOf('checkins');
    const sampleIds = acceptedOf('tests');
    const caseIds = acceptedOf('cases');
    const countByKey = async (query: Promise<Array<{ key: string; n: number }>>) => new Map((await query).map((r) => [r.key, r.n]));
    const storedCheckins = await countByKey(checkins`select id::text as key, count(*)::int as n from check_ins where id = any(${checkinIds}::uuid[]) group by id`);
    const storedSamples = await countByKey(testing`select sample_id as key, count(*)::int as n from test_results where lab = 'chaos-lab' and sample_id = any(${sampleIds}::text[]) group by sample_id`);
    const storedCases = await countByKey(tracing`select id::text as key, count(*)::int as n from cases where id = any(${caseIds}::uuid[]) group by id`);
    const [{ n: checkinDuplicates }] = await checkins<[{ n: number }]>`select count(*)::int as n from (select id from check_ins group by id having count(*) > 1) d`;
    const [{ n: sampleDuplicates }] = await testing<[{ n: number }]>`select count(*)::int as n from (select lab, sample_id from test_results where pool_size is null group by lab, sample_id having count(*) > 1) d`;
    let stored = 0;
    let lost = 0;
    for (const [ids, found, what] of [[checkinIds, storedCheckins, 'check-ins'], [sampleIds, storedSamples, 'test results'], [caseIds, storedCases, 'cases']] as const) {
      const missing = ids.filter((id) => !found.has(id));
      stored += ids.length - missing.length;
      lost += missing.length;
      if (missing.length > 0) failures.push(`${missing.length} accepted ${what} not stored (e.g. ${missing.slice(0, 3).join(', ')})`);
      details.push(`${what}: ${ids.length} accepted, ${ids.length - missing.length} stored`);
    }
    const duplicated = checkinDuplicates + sampleDuplicates;
    if (duplicated > 0) failures.push(`${duplicated} row(s) stored more than once (check-ins ${checkinDuplicates}, test results ${sampleDuplicates})`);

    // Every confirmed case's run finishes, and its tasks reach their provinces (the worker retries pending provinces).
    options.say(`waiting for the tracing runs of ${caseIds.length} cases to finish (${options.settleMs / 1000} s at most)`);
    const deadline = Date.now() + options.settleMs;
    let runs: Array<{ id: string; status: string; pending: string[] }> = [];
    for (;;) {
      runs = await tracing<Array<{ id: string; status: string; pending: string[] }>>`select id::text, status, provinces_pending as pending from tracing_runs where id = any(${caseIds}::uuid[])`;
      const finished = runs.filter((r) => r.status === 'SUCCEEDED' && r.pending.length === 0).length;
      if (finished === caseIds.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const finished = runs.filter((r) => r.status === 'SUCCEEDED' && r.pending.length === 0);
    if (finished.length < caseIds.length) {
      const states = runs.filter((r) => !finished.includes(r)).map((r) => `${r.status}${r.pending.length ? ` pending ${r.pending.join('+')}` : ''}`);
      failures.push(`${caseIds.length - finished.length} of ${caseIds.length} runs not finished: ${summarise(states)}${runs.length < caseIds.length ? `, ${caseIds.length - runs.length} with no run row` : ''}`);
    }

    const contacts = await tracing<Array<{ id: string; province: string }>>`select id::text, home_province_code as province from contacts where home_province_code is not null`;
    let delivered = 0;
    let taskDuplicates = 0;
    let missingTasks = 0;
    for (const [code, sql] of shards) {
      const ids = contacts.filter((c) => c.province === code).map((c) => c.id);
      const tasks = await countByKey(sql`select contact_id::text as key, count(*)::int as n from tracing_tasks where contact_id = any(${ids}::uuid[]) group by contact_id`);
      for (const id of ids) {
        const n = tasks.get(id) ?? 0;
        if (n === 0) missingTasks++;
        else delivered++;
        if (n > 1) taskDuplicates++;
      }
    }
    if (missingTasks > 0) failures.push(`${missingTasks} contact(s) without a task in their home province`);
    if (taskDuplicates > 0) failures.push(`${taskDuplicates} contact(s) with more than one task`);

    // No process ended by itself.
    for (const service of options.services.services.values()) {
      if (service.unexpectedExits.length > 0) failures.push(`${service.spec.name} exited on its own: ${JSON.stringify(service.unexpectedExits)}`);
    }

    // Reads: judged against the faults in progress when they were sent.
    const reads: Record<string, Record<string, number>> = {};
    const badReads: string[] = [];
    for (const read of workload.reads) {
      const during = faults.filter((f) => read.at + read.ms >= f.startedAt && read.at <= f.backAt + READ_GRACE_MS);
      const affected = during.some((f) => f.affects.includes(read.kind));
      const phase = during.length === 0 ? 'steady' : affected ? 'affected' : 'unaffected';
      const key = `${read.kind}/${phase}`;
      reads[key] ??= {};
      reads[key]![read.outcome] = (reads[key]![read.outcome] ?? 0) + 1;
      const coded = read.outcome !== 'ok' && /^[A-Z_,]+$/.test(read.outcome) && !read.outcome.includes('UNCODED') && !read.outcome.includes('INTERNAL_SERVER_ERROR');
      const gatewayDown = during.some((f) => f.name.includes('gateway'));
      if (phase === 'affected') {
        if (read.outcome !== 'ok' && !coded && !gatewayDown) badReads.push(`${read.kind} during ${during.map((f) => f.name).join(' + ')}: ${read.outcome}`);
      } else if (read.outcome !== 'ok') badReads.push(`${read.kind} ${phase === 'steady' ? 'with no fault' : `during ${during.map((f) => f.name).join(' + ')} (not touching it)`}: ${read.outcome} after ${read.ms} ms`);
    }
    if (badReads.length > 0) failures.push(`${badReads.length} read(s) failed where they should have answered: ${summarise(badReads)}`);

    // Recovery: the first write needing the part answered after it was back.
    const recoveries: RunReport['recoveries'] = [];
    for (const fault of faults) {
      let firstAt: number | null = null;
      let what = '';
      if (fault.writes === 'runs') {
        const [row] = await tracing<Array<{ at: Date | null }>>`select min(finished_at) as at from tracing_runs where finished_at >= ${new Date(fault.backAt)}`;
        firstAt = row?.at ? row.at.getTime() : null;
        what = 'a tracing run finished';
      } else if (fault.writes === 'tasks') {
        const sql = shards.get(options.faultyProvince)!;
        const [row] = await sql<Array<{ at: Date | null }>>`select min(created_at) as at from tracing_tasks where created_at >= ${new Date(fault.backAt)}`;
        firstAt = row?.at ? row.at.getTime() : null;
        what = `a task stored in province ${options.faultyProvince}`;
      } else {
        const kinds = fault.writes;
        const answers = workload.writes
          .filter((w) => kinds.includes(w.kind) && w.outcome === 'accepted')
          .map((w) => w.attempts.at(-1)!.answeredAt)
          .filter((at) => at >= fault.backAt);
        firstAt = answers.length > 0 ? Math.min(...answers) : null;
        what = `a ${kinds.join('/')} write accepted`;
      }
      const ms = firstAt === null ? null : firstAt - fault.backAt;
      recoveries.push({ fault: fault.name, ms, what });
      // Tasks and runs follow from cases: when none came after the fault, there is nothing to time.
      if (ms === null && Array.isArray(fault.writes)) failures.push(`no write accepted after ${fault.name}`);
      if (ms !== null && ms > options.recoveryTargetMs) failures.push(`${fault.name}: first write (${what}) ${(ms / 1000).toFixed(1)} s after the part was back (target ${options.recoveryTargetMs / 1000} s)`);
      details.push(`recovery after ${fault.name}: ${ms === null ? `n/a (no ${what} after it)` : `${(ms / 1000).toFixed(2)} s to ${what}`}`);
    }
    for (const [key, outcomes] of Object.entries(reads).sort()) details.push(`reads ${key}: ${Object.entries(outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`);

    const longest = recoveries.filter((r) => r.ms !== null).sort((a, b) => b.ms! - a.ms!)[0];
    const accepted = checkinIds.length + sampleIds.length + caseIds.length;
    const totals = { sent, accepted, stored, lost, duplicated, runs: caseIds.length, runsFinished: finished.length, contacts: contacts.length, tasksDelivered: delivered, tasksDuplicated: taskDuplicates, tasksMissing: missingTasks, reads: workload.reads.length };
    const summary =
      `chaos: rows sent ${sent}, accepted ${accepted}, stored ${stored}, lost ${lost}, duplicated ${duplicated}; ` +
      `runs finished ${finished.length}/${caseIds.length}; tasks delivered ${delivered}/${contacts.length}, duplicated ${taskDuplicates}; ` +
      `longest recovery ${longest ? `${(longest.ms! / 1000).toFixed(1)} s (${longest.fault})` : 'n/a'}`;
    return { summary, details, failures, totals, recoveries, reads };
  } finally {
    await Promise.all([checkins.end(), testing.end(), tracing.end(), ...[...shards.values()].map((s) => s.end())]);
  }
}

/** "A ×3, B ×1" for a long list of messages. */
function summarise(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.replace(/after \d+ ms/, ''), (counts.get(item.replace(/after \d+ ms/, '')) ?? 0) + 1);
  return [...counts].slice(0, 8).map(([item, n]) => `${item.trim()} ×${n}`).join('; ') + (counts.size > 8 ? `; … (${counts.size} kinds)` : '');
}
