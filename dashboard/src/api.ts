import { GRAPHQL_URL, type Viewer } from '../../explorer/src/session.ts';

/** What the dashboard draws, shaped from the analytics subgraph's answers. */
export interface Province {
  code: string;
  name: string;
}
export interface Figure {
  key: string;
  label: string;
  labelEn: string;
  format: 'count' | 'percent' | 'hours';
  value: number | null;
  change: number | null;
  average7: number | null;
}
export interface CurveDay {
  date: string;
  count: number;
}
export interface ForecastDay {
  date: string;
  median: number;
  lower: number;
  upper: number;
}
export interface RtWindow {
  start: string;
  end: string;
  mean: number;
  median: number;
  lower: number;
  upper: number;
}
export interface FunnelStep {
  label: string;
  count: number;
}
export interface Growth {
  code: string;
  name: string;
  last7: number;
  previous7: number;
  growth: number | null;
}
export interface Briefing {
  figures: Figure[];
  curve: CurveDay[];
  forecast: ForecastDay[];
  rt: RtWindow[];
  /** Why there is no Rt, when there is none. */
  rtNote: string;
  funnel: FunnelStep[];
  ranking: Growth[];
}

/** Days of the curve shown before the report's day, and of the forecast after it. */
const CURVE_DAYS = 60;
const FORECAST_DAYS = 14;
/** One seed for every forecast the dashboard draws: the same day and place always show the same band. */
const FORECAST_SEED = 19;

export class GraphQLRequestError extends Error {}

async function graphql<T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  // The briefing is all or nothing: a figure the caller may not see is an error on the page, not a blank card.
  if (body.errors?.length || !body.data) {
    const first = body.errors?.[0];
    throw new GraphQLRequestError(first ? `${first.message}${first.extensions?.code ? ` (${first.extensions.code})` : ''}` : `The gateway answered HTTP ${response.status}.`);
  }
  return body.data;
}

/** Today in Viet Nam (UTC+7), as YYYY-MM-DD. */
export function vietnamToday(now = new Date()): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** The provinces the caller may choose: all for the nation's officials, their own otherwise. */
export async function loadProvinces(token: string, viewer: Viewer): Promise<Province[]> {
  const { provinces } = await graphql<{ provinces: Province[] }>(token, 'query DashboardProvinces { provinces { code name } }', {});
  return viewer.nationwide ? provinces : provinces.filter((p) => viewer.provinces.includes(p.code));
}

const FIGURES = `newCases cumulativeCases activeCases contactsF1 contactsF2 tasksNew tasksContacted tasksIsolated tasksTested tasksClosed tasksOverdue medianHoursToFirstCall testsDone testsPositive positivity dosesGiven freeBeds`;

const BRIEFING = `query DashboardBriefing($province: ID, $date: String!, $from: String!, $days: Int!, $seed: Int!, $nationwide: Boolean!) {
  situationReport(province: $province, date: $date) {
    date
    figures { ${FIGURES} }
    change { ${FIGURES} }
    sevenDayAverage { ${FIGURES} }
  }
  epidemicCurve(province: $province, from: $from, to: $date, by: CONFIRMATION) { date count }
  reproductionNumber(province: $province, from: $from, to: $date) {
    minCases
    windows { start end mean median lower upper }
    skipped { reason }
  }
  forecast(province: $province, days: $days, seed: $seed, asOf: $date) { date median lower upper }
  provinceGrowth(date: $date) @include(if: $nationwide) { province last7 previous7 growth }
}`;

type Figures = Record<string, number | null>;
interface BriefingAnswer {
  situationReport: { date: string; figures: Figures; change: Figures; sevenDayAverage: Figures } | null;
  epidemicCurve: CurveDay[];
  reproductionNumber: { minCases: number; windows: RtWindow[]; skipped: Array<{ reason: string }> } | null;
  forecast: ForecastDay[];
  provinceGrowth?: Array<{ province: string; last7: number; previous7: number; growth: number | null }>;
}

/** The cards, in the order the briefing reads them. */
const CARDS: Array<Pick<Figure, 'key' | 'label' | 'labelEn' | 'format'>> = [
  { key: 'newCases', label: 'Ca mắc mới', labelEn: 'New cases', format: 'count' },
  { key: 'cumulativeCases', label: 'Tổng số ca', labelEn: 'Cumulative cases', format: 'count' },
  { key: 'activeCases', label: 'Ca đang theo dõi', labelEn: 'Active cases', format: 'count' },
  { key: 'contactsF1', label: 'F1 mới', labelEn: 'New F1 contacts', format: 'count' },
  { key: 'contactsF2', label: 'F2 mới', labelEn: 'New F2 contacts', format: 'count' },
  { key: 'tasksOverdue', label: 'Nhiệm vụ quá hạn', labelEn: 'Overdue tracing tasks', format: 'count' },
  { key: 'medianHoursToFirstCall', label: 'Giờ đến cuộc gọi đầu', labelEn: 'Median hours to first call', format: 'hours' },
  { key: 'testsDone', label: 'Xét nghiệm', labelEn: 'Tests', format: 'count' },
  { key: 'positivity', label: 'Tỷ lệ dương tính', labelEn: 'Positivity', format: 'percent' },
  { key: 'dosesGiven', label: 'Mũi tiêm', labelEn: 'Doses given', format: 'count' },
  { key: 'freeBeds', label: 'Giường trống', labelEn: 'Free quarantine beds', format: 'count' },
];

/** Everything the page shows for one place and day, in one request. */
export async function loadBriefing(token: string, province: string | null, date: string, provinces: Province[]): Promise<Briefing> {
  const answer = await graphql<BriefingAnswer>(token, BRIEFING, {
    province,
    date,
    from: addDays(date, -(CURVE_DAYS - 1)),
    days: FORECAST_DAYS,
    seed: FORECAST_SEED,
    nationwide: province === null,
  });
  const report = answer.situationReport;
  const figures = CARDS.map((card) => ({
    ...card,
    value: report?.figures[card.key] ?? null,
    change: report?.change[card.key] ?? null,
    average7: report?.sevenDayAverage[card.key] ?? null,
  }));
  const today = report?.figures ?? {};
  const count = (...keys: string[]) => keys.reduce((sum, key) => sum + (today[key] ?? 0), 0);
  const names = new Map(provinces.map((p) => [p.code, p.name]));
  const rt = answer.reproductionNumber;
  return {
    figures,
    curve: answer.epidemicCurve,
    forecast: answer.forecast,
    rt: rt?.windows ?? [],
    rtNote: rt ? `≥ ${rt.minCases} ca mỗi cửa sổ 7 ngày · cases per 7-day window` : '',
    // Tasks as they stand at the end of the day: every task was a contact found; all but NEW were reached.
    funnel: [
      { label: 'Tìm thấy · Found', count: count('tasksNew', 'tasksContacted', 'tasksIsolated', 'tasksTested', 'tasksClosed') },
      { label: 'Đã gọi · Called', count: count('tasksContacted', 'tasksIsolated', 'tasksTested', 'tasksClosed') },
      { label: 'Cách ly / xét nghiệm · Isolated or tested', count: count('tasksIsolated', 'tasksTested') },
    ],
    ranking: (answer.provinceGrowth ?? []).map((g) => ({ code: g.province, name: names.get(g.province) ?? g.province, last7: g.last7, previous7: g.previous7, growth: g.growth })),
  };
}
