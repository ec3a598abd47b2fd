import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, openTasksCsv, vietnamTime } from '../../examples/open-tasks-csv.ts';
import { DEMO_CASE, DEMO_PEOPLE } from '../../subgraphs/shared/demo.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { itWithPostgres } from '../support/services.ts';

// The provincial developers' example (README, "For provincial center developers"): a daily CSV of
// open tracing tasks per ward, from the whole graph, with a province official's token.

describe('examples/open-tasks-csv.ts', () => {
  let hub: TestHub;
  let officialToken: string;
  const NEW_TASK = { contactId: 'c0aac700-0000-4000-8000-000000000101', personId: DEMO_PEOPLE.ha.id, wardCode: DEMO_PEOPLE.ha.wardCode };
  const CLOSED_TASK = { contactId: 'c0aac700-0000-4000-8000-000000000102', personId: DEMO_PEOPLE.an.id, wardCode: DEMO_PEOPLE.an.wardCode };

  beforeAll(async () => {
    hub = await startTestHub();
    // The demo case's tracing run hands Bình (F1, Phường Bến Thành) to province 79.
    for (let waited = 0; ; waited += 500) {
      const status = (await hub.query('query($id: ID!) { case(id: $id) { run { status } } }', { id: DEMO_CASE.id })).data?.case?.run?.status;
      if (status === 'SUCCEEDED') break;
      if (waited > 60_000) throw new Error(`the demo tracing run did not finish (status ${status})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Two more tasks in other wards of 79: one overdue and still open, one closed.
    const service = await hub.token({ subject: 'tracing-worker', role: 'service' });
    const accept = /* GraphQL */ `mutation($input: AcceptTracingTaskInput!) { acceptTracingTask(province: "79", input: $input) { ... on TracingTaskAccepted { created } } }`;
    for (const task of [NEW_TASK, CLOSED_TASK]) {
      const response = await hub.query(accept, { input: { ...task, caseId: DEMO_CASE.id, degree: 'F2' } }, { token: service });
      expect(response.errors).toBeUndefined();
    }
    const official = await hub.token({ subject: 'official-79', role: 'province_official', provinces: ['79'], purpose: 'contact-tracing' });
    const closed = await hub.query(
      'query { province(code: "79") { tracingTasks { id person { id } } } }',
      {},
      { token: official },
    );
    const closedId = closed.data.province.tracingTasks.find((t: { person: { id: string } | null }) => t.person?.id === DEMO_PEOPLE.an.id).id;
    const update = await hub.query(
      'mutation($id: ID!) { updateTracingTask(province: "79", taskId: $id, status: CLOSED, note: "Not reachable after three calls") { __typename } }',
      { id: closedId },
      { token: official },
    );
    expect(update.data?.updateTracingTask?.__typename).toBe('TracingTaskUpdated');
    officialToken = official;
  });
  afterAll(() => hub?.stop());

  itWithPostgres('lists the open tasks of the province, by ward, with the person to call and the tracer in charge', async () => {
    const now = new Date(Date.now() + 3 * 86_400_000); // three days on: every task is overdue
    const csv = await openTasksCsv({ gatewayUrl: hub.url, token: officialToken, province: '79', now });
    const lines = csv.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, i) => [CSV_COLUMNS[i]!, cell])));
    // Bình (F1, ward 26743 Phường Bến Thành) and Hà (F2, ward 27343); An's task is closed.
    expect(rows.map((r) => [r.ward_code, r.person, r.degree, r.status, r.overdue])).toEqual([
      ['26743', 'Trần Thị Bình', 'F1', 'NEW', 'yes'],
      ['27343', 'Hoàng Thu Hà', 'F2', 'NEW', 'yes'],
    ]);
    expect(rows[0]).toMatchObject({ ward_name: 'Phường Bến Thành', person_phone: DEMO_PEOPLE.binh.phone });
    expect(rows[0]!.tracer).not.toBe('');
    expect(rows[0]!.due_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  itWithPostgres('runs as a command, as the README shows', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/open-tasks-csv.ts', '--province', '79'], {
      env: { ...process.env, GATEWAY_URL: hub.url, TOKEN: officialToken },
    });
    expect(stdout.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(stdout).toContain('Trần Thị Bình');
    expect(stdout).not.toContain('Nguyễn Văn An');
  });

  itWithPostgres('refuses to print a partial list (a province outside the token’s jurisdiction, or a shard down)', async () => {
    await expect(openTasksCsv({ gatewayUrl: hub.url, token: officialToken, province: '01' })).rejects.toThrow(/did not give province 01's complete task list/);
  });

  it('writes cells a spreadsheet reads as text', () => {
    expect(csvCell('Phường Bến Thành')).toBe('Phường Bến Thành');
    expect(csvCell('Nguyễn "Út" An, Jr')).toBe('"Nguyễn ""Út"" An, Jr"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+84901000001')).toBe("'+84901000001");
    expect(vietnamTime('2025-07-01T17:30:00Z')).toBe('2025-07-02 00:30');
  });
});
