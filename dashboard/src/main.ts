import './style.css';
import { demoToken, forgetSession, forgetToken, loadConfig, savedToken, saveToken, whoAmI, type ExplorerConfig, type Viewer } from '../../explorer/src/session.ts';
import { loadBriefing, loadProvinces, vietnamToday, type Briefing, type Figure, type Province } from './api.ts';
import { drawCurve, drawFunnel, drawRt } from './charts.ts';

/**
 * The 19:00 briefing (bản tin 19:00) for officials: the day's figures, the epidemic curve with the
 * forecast, Rt, provinces ranked by growth and the tracing funnel, for the nation or one province.
 * It signs in like the explorer (same token, same session) and asks /graphql as the caller, so a
 * province official sees their provinces only: the graph refuses the rest.
 */
const root = document.getElementById('root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

async function start(): Promise<void> {
  const config = await loadConfig();
  const token = savedToken();
  if (token) {
    try {
      return showDashboard(token, await whoAmI(token));
    } catch {
      forgetToken();
    }
  }
  showSignIn(config, null);
}

function showSignIn(config: ExplorerConfig, error: string | null): void {
  const tokenInput = el('textarea', { id: 'token', rows: '3', placeholder: 'eyJhbGciOi…', 'aria-label': 'Token' });
  const form = el(
    'form',
    { class: 'signin' },
    el('h1', {}, 'Bản tin 19:00 ', el('span', { class: 'en' }, '· The 19:00 briefing')),
    el('p', {}, 'Đăng nhập bằng mã truy cập (token) của cán bộ. ', el('span', { class: 'en' }, 'Sign in with an official’s token.')),
    tokenInput,
    el('button', { type: 'submit' }, 'Đăng nhập · Sign in'),
  );
  if (error) form.append(el('p', { class: 'error', role: 'alert' }, error));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(config, tokenInput.value.trim().replace(/^Bearer\s+/i, ''));
  });
  if (config.development) {
    const role = el('select', { id: 'demo-role', 'aria-label': 'Role' }, el('option', { value: 'national_official' }, 'Cán bộ trung ương · National official'), el('option', { value: 'province_official' }, 'Cán bộ tỉnh · Province official'));
    const province = el('select', { id: 'demo-province', 'aria-label': 'Province' }, ...config.demoProvinces.map((p) => el('option', { value: p.code }, `${p.code} ${p.name}`)));
    const demo = el('button', { type: 'button', id: 'demo-sign-in' }, 'Dùng vai trò thử · Use a demo role');
    demo.addEventListener('click', () => {
      void demoToken(role.value, role.value === 'national_official' ? '' : province.value)
        .then((token) => signIn(config, token))
        .catch((failure: unknown) => showSignIn(config, failure instanceof Error ? failure.message : String(failure)));
    });
    form.append(el('fieldset', {}, el('legend', {}, 'Phát triển · Development'), role, province, demo));
  }
  root.replaceChildren(form);
}

async function signIn(config: ExplorerConfig, token: string): Promise<void> {
  try {
    const viewer = await whoAmI(token);
    saveToken(token);
    await showDashboard(token, viewer);
  } catch (failure) {
    showSignIn(config, failure instanceof Error ? failure.message : String(failure));
  }
}

const FORMATS: Record<Figure['format'], (value: number) => string> = {
  count: (v) => v.toLocaleString('vi-VN', { maximumFractionDigits: 1 }),
  percent: (v) => `${(v * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 })} %`,
  hours: (v) => `${v.toLocaleString('vi-VN', { maximumFractionDigits: 1 })} h`,
};

function card(figure: Figure): HTMLElement {
  const format = FORMATS[figure.format];
  const change = figure.change === null ? '–' : `${figure.change > 0 ? '+' : ''}${format(figure.change)}`;
  return el(
    'article',
    { class: 'card', 'data-figure': figure.key },
    el('h3', {}, figure.label, el('span', { class: 'en' }, figure.labelEn)),
    el('p', { class: 'value' }, figure.value === null ? '–' : format(figure.value)),
    el('p', { class: 'detail' }, `so với hôm qua · vs yesterday ${change}`),
    el('p', { class: 'detail' }, `TB 7 ngày · 7-day avg ${figure.average7 === null ? '–' : format(figure.average7)}`),
  );
}

async function showDashboard(token: string, viewer: Viewer): Promise<void> {
  const provinces = await loadProvinces(token, viewer);
  const area = el('select', { id: 'area', 'aria-label': 'Tỉnh · Province' });
  if (viewer.nationwide) area.append(el('option', { value: '' }, 'Toàn quốc · Nationwide'));
  for (const p of provinces) area.append(el('option', { value: p.code }, `${p.code} ${p.name}`));
  const day = el('input', { id: 'day', type: 'date', value: vietnamToday(), 'aria-label': 'Ngày · Day' });
  const signOut = el('button', { type: 'button', class: 'signout' }, 'Đăng xuất · Sign out');
  signOut.addEventListener('click', () => {
    forgetSession();
    void start();
  });
  const body = el('main', { id: 'briefing', 'aria-busy': 'true' });
  root.replaceChildren(
    el(
      'header',
      {},
      el('h1', {}, 'Bản tin 19:00 ', el('span', { class: 'en' }, '· The 19:00 briefing')),
      el('div', { class: 'controls' }, area, day, el('span', { class: 'viewer' }, `${viewer.role}${viewer.nationwide ? '' : ` · ${viewer.provinces.join(', ')}`}`), signOut),
    ),
    body,
  );
  const refresh = () => void render(body, token, provinces, area.value || null, day.value);
  area.addEventListener('change', refresh);
  day.addEventListener('change', refresh);
  refresh();
}

async function render(body: HTMLElement, token: string, provinces: Province[], province: string | null, date: string): Promise<void> {
  body.setAttribute('aria-busy', 'true');
  let briefing: Briefing;
  try {
    briefing = await loadBriefing(token, province, date, provinces);
  } catch (failure) {
    body.replaceChildren(el('p', { class: 'error', role: 'alert' }, failure instanceof Error ? failure.message : String(failure)));
    body.setAttribute('aria-busy', 'false');
    return;
  }
  const place = province ? (provinces.find((p) => p.code === province)?.name ?? province) : 'Toàn quốc · Nationwide';
  const curve = el('canvas', { id: 'curve', 'aria-label': 'Đường cong dịch · Epidemic curve' });
  const rt = el('canvas', { id: 'rt', 'aria-label': 'Rt' });
  const funnel = el('canvas', { id: 'funnel', 'aria-label': 'Truy vết · Tracing funnel' });
  const sections: HTMLElement[] = [
    el('h2', { class: 'place' }, `${place} · ${date}`),
    el('section', { class: 'cards' }, ...briefing.figures.map(card)),
    el('section', { class: 'panel wide' }, el('h2', {}, 'Đường cong dịch và dự báo 14 ngày ', el('span', { class: 'en' }, '· Epidemic curve and 14-day forecast')), el('div', { class: 'chart' }, curve)),
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'Hệ số lây nhiễm Rt ', el('span', { class: 'en' }, '· Reproduction number')),
      briefing.rt.length ? el('div', { class: 'chart' }, rt) : el('p', { class: 'note' }, `Chưa đủ ca để ước tính · Too few cases to estimate (${briefing.rtNote})`),
    ),
    el('section', { class: 'panel' }, el('h2', {}, 'Truy vết ', el('span', { class: 'en' }, '· Tracing funnel')), el('div', { class: 'chart' }, funnel)),
  ];
  if (briefing.ranking.length) {
    sections.push(
      el(
        'section',
        { class: 'panel wide' },
        el('h2', {}, 'Tỉnh xếp theo mức tăng ', el('span', { class: 'en' }, '· Provinces ranked by growth (7 days vs the 7 before)')),
        el(
          'table',
          { id: 'ranking' },
          el('thead', {}, el('tr', {}, ...['Tỉnh · Province', 'Ca 7 ngày · Cases, 7 days', '7 ngày trước · Previous 7', 'Tăng · Growth'].map((h) => el('th', {}, h)))),
          el(
            'tbody',
            {},
            ...briefing.ranking.map((r) =>
              el('tr', {}, el('td', {}, `${r.code} ${r.name}`), el('td', {}, String(r.last7)), el('td', {}, String(r.previous7)), el('td', {}, r.growth === null ? 'mới · new' : `${(r.growth * 100).toFixed(0)} %`)),
            ),
          ),
        ),
      ),
    );
  }
  body.replaceChildren(...sections);
  drawCurve(curve, briefing.curve, briefing.forecast);
  if (briefing.rt.length) drawRt(rt, briefing.rt);
  drawFunnel(funnel, briefing.funnel);
  body.setAttribute('aria-busy', 'false');
}

void start();
