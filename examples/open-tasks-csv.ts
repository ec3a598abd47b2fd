/**
 * A provincial center's daily call list: the open tracing tasks (nhiệm vụ truy vết) of one
 * province, one row per task, grouped by ward, as CSV. A local tool built on the whole graph: one
 * query to the national gateway joins the province's own tasks (its shard) with the ward names
 * (units), the people to call (declarations) and the tracers in charge (the shard again).
 *
 *   TOKEN=$(npm run -s token -- --role province_official --province 79 --purpose contact-tracing)
 *   GATEWAY_URL=http://127.0.0.1:4000/graphql TOKEN=$TOKEN npx tsx examples/open-tasks-csv.ts --province 79 > tasks-79.csv
 *
 * Options: --province <code> (default: the token's only province), --excel (a UTF-8 byte-order
 * mark, so that Excel shows Vietnamese names correctly). The file holds personal data (names,
 * phone numbers): keep it where the center keeps its tracing records.
 */
import { fileURLToPath } from 'node:url';

export const OPEN_TASKS_QUERY = /* GraphQL */ `
  query OpenTracingTasks($province: ID!) {
    province(code: $province) {
      code
      name
      tracingTasks {
        id
        degree
        status
        dueAt
        ward { code name }
        person { fullName phone }
        assignedTo { fullName phone }
      }
    }
  }
`;

interface Task {
  id: string;
  degree: 'F1' | 'F2';
  status: 'NEW' | 'CONTACTED' | 'ISOLATED' | 'TESTED' | 'CLOSED';
  dueAt: string;
  ward: { code: string; name: string } | null;
  person: { fullName: string; phone: string } | null;
  assignedTo: { fullName: string; phone: string } | null;
}

interface OpenTasksResult {
  province: { code: string; name: string; tracingTasks: Task[] | null } | null;
}

export const CSV_COLUMNS = ['ward_code', 'ward_name', 'task_id', 'degree', 'status', 'due_at', 'overdue', 'person', 'person_phone', 'tracer', 'tracer_phone'] as const;

export interface OpenTasksOptions {
  gatewayUrl: string;
  token: string;
  province: string;
  /** "Now", for the overdue column (default: the current time). */
  now?: Date;
}

/** Asks the gateway and returns the CSV text (header included, CRLF line ends as RFC 4180 says). */
export async function openTasksCsv(options: OpenTasksOptions): Promise<string> {
  const response = await fetch(options.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ query: OPEN_TASKS_QUERY, variables: { province: options.province } }),
  });
  const body = (await response.json()) as { data?: OpenTasksResult | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  const tasks = body.data?.province?.tracingTasks;
  // Any error means the list could be incomplete (a shard down, a person withheld): refuse rather than print a short list.
  if (body.errors?.length || !tasks) {
    const reasons = body.errors?.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ') ?? 'no data';
    throw new Error(`The gateway did not give province ${options.province}'s complete task list (HTTP ${response.status}): ${reasons}`);
  }
  return toCsv(openTasksByWard(tasks), options.now ?? new Date());
}

/** Open tasks (not CLOSED), by ward code (tasks without a ward last), then earliest due first. */
export function openTasksByWard(tasks: Task[]): Task[] {
  return tasks
    .filter((task) => task.status !== 'CLOSED')
    .sort((a, b) => (a.ward?.code ?? '~').localeCompare(b.ward?.code ?? '~') || a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
}

function toCsv(tasks: Task[], now: Date): string {
  const rows = tasks.map((task) => [
    task.ward?.code ?? '',
    task.ward?.name ?? '',
    task.id,
    task.degree,
    task.status,
    vietnamTime(task.dueAt),
    new Date(task.dueAt) < now ? 'yes' : 'no',
    task.person?.fullName ?? '',
    task.person?.phone ?? '',
    task.assignedTo?.fullName ?? '',
    task.assignedTo?.phone ?? '',
  ]);
  return [[...CSV_COLUMNS], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** `2025-07-01 15:30` in Viet Nam time (UTC+7, no daylight saving): what a tracer reads. */
export function vietnamTime(iso: string): string {
  return new Date(new Date(iso).getTime() + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * One RFC 4180 cell. A cell that a spreadsheet would read as a formula (=, +, -, @ first) gets a
 * leading apostrophe, so a name typed by a citizen cannot run in an official's spreadsheet.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function main(): Promise<void> {
  // eslint-disable-next-line no-process-env -- a stand-alone example program, configured like a provincial tool
  const { GATEWAY_URL = 'http://127.0.0.1:4000/graphql', TOKEN } = process.env;
  if (!TOKEN) {
    console.error('Set TOKEN to a province official token: npm run -s token -- --role province_official --province 79 --purpose contact-tracing');
    process.exit(2);
  }
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const province = flag('province') ?? tokenProvince(TOKEN);
  if (!province || !/^\d{2}$/.test(province)) {
    console.error('Give the province: --province 79');
    process.exit(2);
  }
  try {
    const csv = await openTasksCsv({ gatewayUrl: GATEWAY_URL, token: TOKEN, province });
    process.stdout.write(args.includes('--excel') ? `\uFEFF${csv}` : csv);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

/** The token's only province, when it has exactly one (read, not verified: the gateway verifies). */
function tokenProvince(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { provinces?: string[] };
    return claims.provinces?.length === 1 ? claims.provinces[0] : undefined;
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
