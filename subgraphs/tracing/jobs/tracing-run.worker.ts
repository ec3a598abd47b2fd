import { UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import type { Logger } from '../../shared/logger.ts';
import { logWorkerError, type QueueBackend } from '../../shared/queues.ts';
import type { ContactRow } from '../db/models.ts';
import type { TracingRepositories } from '../repositories/index.ts';
import { classifyContacts, type ExposureFact } from './classify.ts';
import type { GraphClient } from '../../shared/graph-client.ts';
import {
  cappedExponential,
  DEFAULT_RETRY,
  deliveryJobOptions,
  runJobOptions,
  TASK_DELIVERY_QUEUE,
  taskDeliveryJobId,
  TRACING_RUN_QUEUE,
  tracingRunJobId,
  type RetryPolicy,
  type TaskDeliveryJob,
  type TracingRunJob,
} from './tracing-run.queue.ts';

/**
 * The worker's two look-ups read their exposures as columns (`ExposureColumns`): a crowd's F2
 * answer is 16,000 exposures, and as objects every layer, from the subgraph's execution to the
 * gateway's result shaping, pays per object.
 */
const EXPOSURE_COLUMNS = 'personIds contactIds venueIds overlapStarts overlapEnds overlapMinutes';

const EXPOSURES = /* GraphQL */ `
  query TracingExposures($ids: [ID!]!, $from: DateTime, $to: DateTime, $min: Int, $exclude: [ID!]) {
    exposureColumnsOf(personIds: $ids, from: $from, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { ${EXPOSURE_COLUMNS} }
  }`;

const FIRST_CONTACTS = /* GraphQL */ `
  query TracingFirstContacts($people: [ExposureSubjectInput!]!, $to: DateTime, $min: Int, $exclude: [ID!]) {
    firstContactColumnsOf(people: $people, to: $to, minOverlapMinutes: $min, excludeContacts: $exclude) { ${EXPOSURE_COLUMNS} }
  }`;

const RESIDENCES = /* GraphQL */ `
  query TracingResidences($ids: [ID!]!) {
    people(ids: $ids) { id residence { code } residenceProvince { code } }
  }`;

const SCHEDULE_TESTS = /* GraphQL */ `
  mutation TracingScheduleTests($inputs: [ScheduleTestsInput!]!) { scheduleTests(inputs: $inputs) { scheduled } }`;
/** Contacts per `scheduleTests` call (about 250 bytes each). */
const SCHEDULES_PER_CALL = 2_000;

type DeliveryInput = TaskDeliveryJob['inputs'][number];

/** The checkins schema takes at most 5,000 people (and 5,000 to exclude) per look-up; kept well below the gateway's body limit. */
const MAX_PEOPLE_PER_LOOKUP = 2_500;
/** The province schema takes at most 2,000 inputs per `acceptTracingTasks`; a smaller slice keeps each shard transaction short. */
const TASKS_PER_FIELD = 1_000;
/** About 200 bytes of JSON per input: an operation stays near 400 kB, under the gateway's 1 MB default body limit. */
const TASKS_PER_OPERATION = 2_000;

export interface TracingJobsOptions {
  backend: QueueBackend;
  repos: TracingRepositories;
  graph: GraphClient;
  logger: Logger;
  retry?: RetryPolicy;
  /** Worker tuning (tests shorten the stalled-job check to see a crashed run re-run quickly). */
  workerOptions?: { lockDuration?: number; stalledInterval?: number; concurrency?: number };
  /** Fault-injection point: runs after the contacts are written, before any task is sent. */
  beforeDelivery?: (caseId: string) => Promise<void>;
}

export interface TracingJobs {
  /** The `afterConfirm` hook of the tracing subgraph: queues the case's run (a repeat is a no-op). */
  enqueueRun(caseId: string): Promise<void>;
  runQueue: Queue<TracingRunJob>;
  deliveryQueue: Queue<TaskDeliveryJob>;
  /** The running workers (runs first, then deliveries), for observing their events; empty when stopped. */
  readonly workers: ReadonlyArray<Worker>;
  startWorkers(): void;
  /** Stops the workers; `force` abandons jobs in progress (as a crash would: they stall and run again). */
  stopWorkers(force?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * The tracing run: F1 from the case's exposures, F2 from all F1 people's exposures (one batched
 * call), contacts written idempotently, then a tracing task for each contact in the province
 * where they live. Every step is safe to repeat, so a crash or a retry changes nothing twice.
 */
export function createTracingJobs(options: TracingJobsOptions): TracingJobs {
  const { backend, repos, graph, logger } = options;
  const runQueue = backend.createQueue<TracingRunJob>(TRACING_RUN_QUEUE, runJobOptions);
  const deliveryQueue = backend.createQueue<TaskDeliveryJob>(TASK_DELIVERY_QUEUE, deliveryJobOptions);
  const backoffStrategy = cappedExponential(options.retry ?? DEFAULT_RETRY);
  const workers: Worker[] = [];

  type ExposureColumns = { personIds: string[]; contactIds: string[]; venueIds: string[]; overlapStarts: string[]; overlapEnds: string[]; overlapMinutes: number[] };
  const toFacts = (columns: ExposureColumns | null): ExposureFact[] => {
    // Nullable only for an error, which mustQuery has already thrown.
    if (!columns) throw new Error('The exposure look-up answered no exposures and no error');
    return columns.personIds.map((subjectId, i) => ({
      subjectId,
      contactId: columns.contactIds[i]!,
      venueId: columns.venueIds[i]!,
      overlapStart: new Date(columns.overlapStarts[i]!),
      overlapEnd: new Date(columns.overlapEnds[i]!),
      overlapMinutes: columns.overlapMinutes[i]!,
    }));
  };

  async function exposures(ids: string[], from: Date, to: Date, min: number): Promise<ExposureFact[]> {
    if (ids.length === 0) return [];
    const data = await graph.mustQuery<{ exposureColumnsOf: ExposureColumns | null }>(EXPOSURES, { ids, from: from.toISOString(), to: to.toISOString(), min });
    return toFacts(data.exposureColumnsOf);
  }

  /** Each subject's contacts from that subject's own instant on: only the earliest exposure per contact comes back. */
  async function firstContacts(subjects: Array<{ personId: string; from: Date }>, to: Date, min: number, exclude: string[]): Promise<ExposureFact[]> {
    if (subjects.length === 0) return [];
    const people = subjects.map((s) => ({ personId: s.personId, from: s.from.toISOString() }));
    const data = await graph.mustQuery<{ firstContactColumnsOf: ExposureColumns | null }>(FIRST_CONTACTS, { people, to: to.toISOString(), min, exclude });
    return toFacts(data.firstContactColumnsOf);
  }

  /** Sends each province its tasks in one call; returns the provinces that did and did not answer. */
  async function deliver(byProvince: Map<string, DeliveryInput[]>): Promise<{ delivered: string[]; failed: string[] }> {
    if (byProvince.size === 0) return { delivered: [], failed: [] };
    // One province per operation, in root fields of at most TASKS_PER_FIELD inputs and at most
    // TASKS_PER_OPERATION per operation (the request stays well under the gateway's body limit). The
    // gateway's province router runs a mutation's fields one after another (mutation semantics), so
    // provinces share no operation: the operations go in parallel, and a slow province delays no other.
    const operations: Array<Array<{ province: string; inputs: DeliveryInput[] }>> = [];
    for (const [province, inputs] of byProvince) {
      let size = Infinity;
      for (let i = 0; i < inputs.length; i += TASKS_PER_FIELD) {
        const chunk = inputs.slice(i, i + TASKS_PER_FIELD);
        if (size + chunk.length > TASKS_PER_OPERATION) {
          operations.push([]);
          size = 0;
        }
        operations.at(-1)!.push({ province, inputs: chunk });
        size += chunk.length;
      }
    }
    const failed = new Set<string>();
    await Promise.all(operations.map(async (operation) => {
      const variables: Record<string, unknown> = {};
      const definitions: string[] = [];
      const fields = operation.map(({ province, inputs }, i) => {
        variables[`p${i}`] = province;
        variables[`i${i}`] = inputs;
        definitions.push(`$p${i}: ID!, $i${i}: [AcceptTracingTaskInput!]!`);
        return `t${i}: acceptTracingTasks(province: $p${i}, inputs: $i${i}) { __typename }`;
      });
      const result = await graph.query<Record<string, Array<{ __typename: string }> | null>>(
        `mutation TracingTasks(${definitions.join(', ')}) { ${fields.join(' ')} }`,
        variables,
      );
      operation.forEach(({ province }, i) => {
        const answer = result.data?.[`t${i}`];
        if (answer && answer.every((r) => r.__typename === 'TracingTaskAccepted')) return;
        failed.add(province);
        const error = result.errors.find((e) => e.path?.[0] === `t${i}`);
        logger.warn({ province, error: error?.message ?? answer?.find((r) => r.__typename !== 'TracingTaskAccepted')?.__typename }, 'tracing tasks not delivered; will retry');
      });
    }));
    return { delivered: [...byProvince.keys()].filter((code) => !failed.has(code)), failed: [...failed] };
  }

  async function processRun(job: Job<TracingRunJob>): Promise<{ f1Count: number; f2Count: number }> {
    const { caseId } = job.data;
    const [found] = await repos.cases.byIds([caseId]);
    if (!found) throw new UnrecoverableError(`case ${caseId} does not exist`);
    const [rule] = await repos.rules.byNames([found.ruleName]);
    if (!rule) throw new UnrecoverableError(`contact rule ${found.ruleName} does not exist`);
    await repos.runs.markRunning(caseId);
    if (found.status === 'REJECTED') {
      // Rejected before its run: nobody is tasked (rejectCase).
      await repos.runs.markSucceeded(caseId, { f1Count: 0, f2Count: 0 }, [], new Date(), { provincesPending: [], unplacedCount: 0 });
      return { f1Count: 0, f2Count: 0 };
    }
    const now = new Date();
    // Where a run's time goes, for the log line at the end (ms since the start of each step).
    const stages: Record<string, number> = {};
    let mark = performance.now();
    const stage = (name: string) => {
      stages[name] = Math.round(performance.now() - mark);
      mark = performance.now();
    };

    const f1Exposures = await exposures([found.personId], found.infectiousFrom, found.infectiousTo, rule.minOverlapMinutes);
    // Each F1 from their own (earliest) exposure on: F2 counts only what an F1 met after being exposed.
    const exposedAt = new Map<string, Date>();
    for (const e of f1Exposures) {
      if (e.contactId !== found.personId && !(exposedAt.get(e.contactId)! <= e.overlapStart)) exposedAt.set(e.contactId, e.overlapStart);
    }
    const f1People = [...exposedAt.keys()];
    // F2 never includes the case or an F1, so the subgraph need not send those pairs back (when
    // there are too many to list, classifyContacts leaves them out instead).
    const subjects = [...exposedAt].map(([personId, from]) => ({ personId, from }));
    const exclude = f1People.length < MAX_PEOPLE_PER_LOOKUP ? [found.personId, ...f1People] : [];
    const f2Exposures: ExposureFact[] = [];
    for (let i = 0; rule.traceF2 && i < subjects.length; i += MAX_PEOPLE_PER_LOOKUP) {
      f2Exposures.push(...(await firstContacts(subjects.slice(i, i + MAX_PEOPLE_PER_LOOKUP), now, rule.minOverlapMinutes, exclude)));
    }
    stage('exposures');
    // People already followed as contacts of an open ancestor case of this chain are not tasked
    // again: they get no contact row here (so no task and no second test schedule).
    const followed = await repos.cases.followedInAncestors(caseId);
    const classified = classifyContacts(found.personId, f1Exposures, f2Exposures, rule).filter((c) => !followed.has(c.personId));
    await repos.contacts.upsertContacts(caseId, classified);
    stage('contacts');

    // Tasks for every contact of the case (also those written by an earlier, interrupted attempt).
    const contacts = await repos.contacts.byCaseIds([caseId]);
    const { byProvince, unplaced, homes } = await placeContacts(contacts, caseId);
    stage('homes');
    await scheduleTests(contacts, homes, { F1: rule.f1TestDays, F2: rule.f2TestDays });
    stage('schedules');
    await options.beforeDelivery?.(caseId);
    const { delivered, failed } = await deliver(byProvince);
    stage('delivery');
    for (const province of failed) {
      await deliveryQueue.add('deliver', { caseId, province, inputs: byProvince.get(province) ?? [] }, { jobId: taskDeliveryJobId(caseId, province) });
    }
    const counts = await repos.contacts.countsByCase(caseId);
    await repos.runs.markSucceeded(caseId, counts, delivered, new Date(), { provincesPending: failed, unplacedCount: unplaced });
    logger.info({ caseId, ...counts, delivered, pending: failed, unplaced, ms: Date.now() - now.getTime(), stages }, 'tracing run finished');
    return counts;
  }

  /** Each contact's tests, as their rule asks, in the testing subgraph (idempotent per contact and day). */
  async function scheduleTests(contacts: ContactRow[], homes: Map<string, string>, days: Record<'F1' | 'F2', number[]>): Promise<void> {
    const inputs = contacts
      .filter((c) => days[c.degree].length > 0)
      .map((c) => ({ contactId: c.id, caseId: c.caseId, personId: c.personId, degree: c.degree, exposedAt: c.overlapStart.toISOString(), days: days[c.degree], homeProvince: homes.get(c.id) ?? null }));
    for (let i = 0; i < inputs.length; i += SCHEDULES_PER_CALL) {
      await graph.mustQuery(SCHEDULE_TESTS, { inputs: inputs.slice(i, i + SCHEDULES_PER_CALL) });
    }
  }

  async function placeContacts(contacts: ContactRow[], caseId: string): Promise<{ byProvince: Map<string, DeliveryInput[]>; unplaced: number; homes: Map<string, string> }> {
    const byProvince = new Map<string, DeliveryInput[]>();
    if (contacts.length === 0) return { byProvince, unplaced: 0, homes: new Map() };
    const data = await graph.mustQuery<{ people: Array<{ id: string; residence: { code: string } | null; residenceProvince: { code: string } | null } | null> }>(RESIDENCES, {
      ids: contacts.map((c) => c.personId),
    });
    let unplaced = 0;
    const homes: Array<{ contactId: string; provinceCode: string }> = [];
    contacts.forEach((contact, i) => {
      const person = data.people[i];
      const province = person?.residenceProvince?.code;
      const ward = person?.residence?.code;
      if (province) homes.push({ contactId: contact.id, provinceCode: province });
      if (!province || !ward) {
        unplaced++;
        return;
      }
      const list = byProvince.get(province) ?? [];
      list.push({ contactId: contact.id, caseId, personId: contact.personId, degree: contact.degree, wardCode: ward });
      byProvince.set(province, list);
    });
    // Officials of a contact's home province may read the contact and its case (access.ts): store it (idempotent).
    await repos.contacts.recordHomeProvinces(caseId, homes);
    return { byProvince, unplaced, homes: new Map(homes.map((h) => [h.contactId, h.provinceCode])) };
  }

  async function processDelivery(job: Job<TaskDeliveryJob>): Promise<void> {
    const { caseId, province, inputs } = job.data;
    const [owner] = await repos.cases.byIds([caseId]);
    if (owner?.status === 'REJECTED') {
      logger.info({ caseId, province }, 'case rejected: its pending tracing tasks are not sent');
      return;
    }
    const { delivered } = await deliver(new Map([[province, inputs]]));
    if (!delivered.includes(province)) throw new Error(`province ${province} is still unavailable`);
    await repos.runs.provinceDelivered(caseId, province);
    logger.info({ caseId, province, tasks: inputs.length }, 'pending tracing tasks delivered');
  }

  return {
    runQueue,
    deliveryQueue,
    workers,
    enqueueRun: async (caseId) => {
      await runQueue.add('trace', { caseId }, { jobId: tracingRunJobId(caseId) });
    },
    startWorkers: () => {
      const tuning = options.workerOptions ?? {};
      const run = backend.createWorker<TracingRunJob, unknown>(
        TRACING_RUN_QUEUE,
        async (job) => {
          try {
            return await processRun(job);
          } catch (error) {
            const last = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
            if (last) await repos.runs.markFailed(job.data.caseId, (error as Error).message);
            throw error;
          }
        },
        { concurrency: 4, ...tuning, settings: { backoffStrategy } },
      );
      // A run that stalled too often (its worker died in each attempt) is failed by BullMQ in the
      // next worker without running the processor, so the processor above never marks it.
      run.on('failed', (job, error) => {
        if (!job?.finishedOn || !job.deferredFailure) return;
        repos.runs.markFailed(job.data.caseId, error.message).catch((err: unknown) => logger.error({ err, job: job.id }, 'could not mark the tracing run failed'));
      });
      const delivery = backend.createWorker<TaskDeliveryJob, unknown>(TASK_DELIVERY_QUEUE, processDelivery, { concurrency: 8, ...tuning, settings: { backoffStrategy } });
      for (const worker of [run, delivery] as Worker[]) {
        worker.on('failed', (job, error) => logger.warn({ job: job?.id, queue: worker.name, attempts: job?.attemptsMade, err: error }, 'job attempt failed'));
        worker.on('stalled', (jobId) => logger.warn({ job: jobId, queue: worker.name }, 'job stalled; it will run again'));
        worker.on('error', (error) => logWorkerError(logger, error, worker.name));
        workers.push(worker);
      }
    },
    stopWorkers: async (force = false) => {
      await Promise.all(workers.splice(0).map((w) => w.close(force)));
    },
    close: async () => {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await runQueue.close();
      await deliveryQueue.close();
    },
  };
}
