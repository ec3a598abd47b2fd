import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import type { CurveDay, ForecastDay, FunnelStep, RtWindow } from './api.ts';

// Only the parts the dashboard draws (Chart.js is tree-shaken by what is registered).
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Filler, Legend, Tooltip);
// Charts are drawn without animation: the page is printed for the briefing, and a print taken mid-animation is wrong.
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif';

const CASES = '#b91c1c';
const AVERAGE = '#1f2937';
const FORECAST = '#2563eb';
const RT = '#7c3aed';

/** Replaces whatever chart the canvas had (a new province or day redraws every chart). */
function draw(canvas: HTMLCanvasElement, config: ChartConfiguration<'bar' | 'line', Array<number | null>, string>): Chart<'bar' | 'line', Array<number | null>, string> {
  Chart.getChart(canvas)?.destroy();
  return new Chart(canvas, config);
}

function sevenDayAverage(counts: number[]): Array<number | null> {
  return counts.map((_, i) => (i < 6 ? null : counts.slice(i - 6, i + 1).reduce((a, b) => a + b, 0) / 7));
}

/** The epidemic curve: daily cases as bars, their 7-day average, and the forecast's median with its 90 % band. */
export function drawCurve(canvas: HTMLCanvasElement, curve: CurveDay[], forecast: ForecastDay[]): Chart<'bar' | 'line', Array<number | null>, string> {
  const labels = [...curve.map((d) => d.date), ...forecast.map((d) => d.date)];
  const pad = <T>(values: T[], before: number, after: number): Array<T | null> => [...Array<null>(before).fill(null), ...values, ...Array<null>(after).fill(null)];
  const counts = curve.map((d) => d.count);
  // The forecast band joins the last observed day so the two read as one line.
  const last = curve.at(-1);
  const join = <T>(values: T[], first: T | null): Array<T | null> => [...Array<null>(Math.max(curve.length - 1, 0)).fill(null), last ? first : null, ...values];
  return draw(canvas, {
    // A mixed chart: each dataset names its own type.
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: 'Ca mắc mới · New cases', data: pad(counts, 0, forecast.length), backgroundColor: CASES, order: 3 },
        { type: 'line', label: 'Trung bình 7 ngày · 7-day average', data: pad(sevenDayAverage(counts), 0, forecast.length), borderColor: AVERAGE, pointRadius: 0, borderWidth: 2, order: 2 },
        { type: 'line', label: 'Dự báo 5 % · Forecast 5 %', data: join(forecast.map((d) => d.lower), last?.count ?? null), borderColor: 'transparent', pointRadius: 0, fill: false, order: 1 },
        {
          type: 'line',
          label: 'Dự báo 95 % (khoảng 90 %) · Forecast 95 % (90 % interval)',
          data: join(forecast.map((d) => d.upper), last?.count ?? null),
          borderColor: 'transparent',
          backgroundColor: 'rgba(37, 99, 235, 0.18)',
          pointRadius: 0,
          fill: '-1',
          order: 1,
        },
        { type: 'line', label: 'Dự báo trung vị · Forecast median', data: join(forecast.map((d) => d.median), last?.count ?? null), borderColor: FORECAST, borderDash: [6, 4], pointRadius: 0, borderWidth: 2, order: 0 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, title: { display: true, text: 'Ca / ngày · cases per day' } } },
      plugins: { legend: { position: 'bottom', labels: { filter: (item) => !item.text.startsWith('Dự báo 5 %') } } },
    },
  });
}

/** Rt per 7-day window (plotted at the window's last day) with its 95 % credible interval and the line R = 1. */
export function drawRt(canvas: HTMLCanvasElement, windows: RtWindow[]): Chart<'bar' | 'line', Array<number | null>, string> {
  const labels = windows.map((w) => w.end);
  return draw(canvas, {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: '2,5 %', data: windows.map((w) => w.lower), borderColor: 'transparent', pointRadius: 0, fill: false },
        { label: 'Khoảng tin cậy 95 % · 95 % credible interval', data: windows.map((w) => w.upper), borderColor: 'transparent', backgroundColor: 'rgba(124, 58, 237, 0.18)', pointRadius: 0, fill: '-1' },
        { label: 'Rt (trung bình · mean)', data: windows.map((w) => w.mean), borderColor: RT, pointRadius: 0, borderWidth: 2 },
        { label: 'R = 1', data: windows.map(() => 1), borderColor: '#6b7280', borderDash: [4, 4], pointRadius: 0, borderWidth: 1 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, title: { display: true, text: 'Rt' } } },
      plugins: { legend: { position: 'bottom', labels: { filter: (item) => item.text !== '2,5 %' } } },
    },
  });
}

/** The tracing funnel: contacts found → reached by a call → isolated or tested. */
export function drawFunnel(canvas: HTMLCanvasElement, steps: FunnelStep[]): Chart<'bar' | 'line', Array<number | null>, string> {
  return draw(canvas, {
    type: 'bar',
    data: { labels: steps.map((s) => s.label), datasets: [{ label: 'Người · people', data: steps.map((s) => s.count), backgroundColor: ['#0f766e', '#0d9488', '#14b8a6'] }] },
    options: { indexAxis: 'y', responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
  });
}
