import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson, type Route } from '../subgraphs/shared/http.ts';
import { ROLES, signCallerToken, type Role } from '../subgraphs/shared/identity.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { DEMO_PROVINCE_CODES } from '../subgraphs/shared/demo.ts';

/**
 * The browser apps for officials, as static files that `npm run build:web` writes:
 * - the explorer (GraphiQL with the explorer plugin) at /explorer/, from explorer/dist;
 * - the dashboard (the 19:00 briefing: figures, curves, Rt, forecast) at /dashboard/, from dashboard/dist.
 * Both sign in the same way (a token, or in development a demo token from `<app>/dev-token`). The
 * pages hold no data: they ask /graphql like any other client, so jurisdiction, masking and the
 * production introspection rule apply to them.
 */
export const WEB_APPS = ['explorer', 'dashboard'] as const;
export type WebAppName = (typeof WEB_APPS)[number];
export const webAppDist = (app: WebAppName): string => fileURLToPath(new URL(`../${app}/dist/`, import.meta.url));
export const EXPLORER_DIST = webAppDist('explorer');

export interface WebAppOptions {
  /** The app's build (default <app>/dist). */
  dir?: string | undefined;
  production: boolean;
  /** Signs development tokens; only used when `production` is false. */
  jwtSecret: string;
  logger: Logger;
}

/** Roles the demo picker offers: the officials and the people the explorer is for. */
export const DEMO_ROLES: readonly Role[] = ['national_official', 'province_official', 'tracer', 'citizen'];
const DEMO_PROVINCE_NAMES: Record<string, string> = { '01': 'Hà Nội', '24': 'Bắc Ninh', '79': 'TP. Hồ Chí Minh' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the page may load: only this host. Monaco injects its styles at run time ('unsafe-inline'
 * for styles only) and starts its language workers from bundled files; fonts are bundled or
 * inlined as data: URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Routes for gateway/server.ts: `/<app>` redirects to `/<app>/`; everything under it is served here. */
export function webAppRoutes(app: WebAppName, options: WebAppOptions): Record<string, Route> {
  const root = resolve(options.dir ?? webAppDist(app));
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rest = url.pathname.slice(`/${app}/`.length);
    if (rest === 'config.json') {
      return sendNoStore(res, 200, {
        development: !options.production,
        demoRoles: options.production ? [] : DEMO_ROLES,
        demoProvinces: options.production ? [] : DEMO_PROVINCE_CODES.map((code) => ({ code, name: DEMO_PROVINCE_NAMES[code] ?? code })),
      });
    }
    if (rest === 'dev-token') {
      if (options.production) return notFound(res);
      return devToken(url.searchParams, options, res);
    }
    return serveStatic(req, res, app, root, rest, options.logger);
  };
  return {
    [`/${app}`]: (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      res.writeHead(308, { location: `/${app}/${url.search}` }).end();
    },
    [`/${app}/*`]: serve,
  };
}

async function devToken(params: URLSearchParams, options: WebAppOptions, res: ServerResponse): Promise<void> {
  const role = params.get('role') ?? 'national_official';
  if (!ROLES.includes(role as Role) || !DEMO_ROLES.includes(role as Role)) {
    return sendNoStore(res, 400, { error: `role must be one of: ${DEMO_ROLES.join(', ')}` });
  }
  const provinces = params.getAll('province').flatMap((p) => p.split(',')).filter(Boolean);
  if (provinces.some((p) => !/^\d{2}$/.test(p))) return sendNoStore(res, 400, { error: 'province takes two-digit province codes, e.g. 79' });
  if (role !== 'national_official' && provinces.length === 0) return sendNoStore(res, 400, { error: `a ${role} token needs a province` });
  const token = await signCallerToken(options.jwtSecret, {
    subject: `dev-explorer-${role}`,
    role: role as Role,
    ...(role === 'national_official' ? {} : { provinces }),
    expiresIn: '8h',
  });
  options.logger.info({ role, provinces }, 'explorer: development token issued');
  sendNoStore(res, 200, { token, role, provinces: role === 'national_official' ? [] : provinces, expiresIn: '8h' });
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, app: WebAppName, root: string, rest: string, logger: Logger): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed');
    return;
  }
  const file = resolveInside(root, rest === '' ? 'index.html' : rest);
  if (!file) return notFound(res);
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch {
    if (rest === '' || rest === 'index.html') return notBuilt(res, app, root, logger);
    return notFound(res);
  }
  if (!stats.isFile()) return notFound(res);

  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  // Files under assets/ carry a content hash in their name: cache them for good. The page itself
  // is revalidated every time, so a rebuilt app is picked up at the next load.
  const immutable = rest.startsWith('assets/');
  const headers: Record<string, string | number> = {
    'content-type': type,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(type.startsWith('text/html') ? { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-frame-options': 'DENY' } : {}),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': stats.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', (error) => {
      logger.error({ err: error, file }, `${app}: file read failed`);
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
}

/**
 * The file a URL path names inside `root`, or null when it would leave it. The path is
 * percent-decoded once; dot segments, backslashes, NUL bytes and hidden files are refused
 * outright, and the resolved path is checked to be under `root` as well.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const base = resolve(root);
  const file = resolve(join(base, ...segments.filter(Boolean)));
  return file.startsWith(base + sep) ? file : null;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('Not found');
}

function notBuilt(res: ServerResponse, app: WebAppName, root: string, logger: Logger): void {
  logger.warn({ dir: root }, `${app}: not built; run \`npm run build:web\``);
  res
    .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    .end(`The ${app} is not built on this server. Run \`npm run build:web\` (npm start does it when the build tools are installed).`);
}

function sendNoStore(res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('cache-control', 'no-store');
  sendJson(res, status, body);
}
