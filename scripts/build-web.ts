/**
 * npm run build:web [-- --if-stale]
 * Builds the browser apps the gateway serves, each with Vite from its own folder into <folder>/dist:
 * the explorer (explorer/ → /explorer/) and the officials' dashboard (dashboard/ → /dashboard/).
 * With --if-stale (what `npm start` and `npm test` run first) an app is built only when its build
 * is missing or its inputs changed: the app's sources, the sign-in code it shares with the explorer
 * and the installed versions of the packages it bundles, fingerprinted in <folder>/dist/.build-stamp.
 * Without the build tools (an install without devDependencies) it says so and leaves the gateway
 * to answer the app's path with 503.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface WebApp {
  name: string;
  /** The app's folder (Vite root, with vite.config.ts); the build goes to its dist/. */
  dir: string;
  /** Folders outside `dir` whose files the app imports (their changes mean a new build). */
  shared: string[];
  /** Packages whose code ends up in the bundle (or builds it): a new version means a new build. */
  bundled: string[];
}

export const WEB_APPS: readonly WebApp[] = [
  {
    name: 'explorer',
    dir: join(ROOT, 'explorer'),
    shared: [],
    bundled: ['vite', '@vitejs/plugin-react', 'graphiql', '@graphiql/react', '@graphiql/plugin-explorer', 'react', 'react-dom', 'graphql'],
  },
  // The dashboard signs in with the explorer's session code (explorer/src/session.ts).
  { name: 'dashboard', dir: join(ROOT, 'dashboard'), shared: [join(ROOT, 'explorer', 'src')], bundled: ['vite', 'chart.js'] },
];

const distOf = (app: WebApp) => join(app.dir, 'dist');
const stampOf = (app: WebApp) => join(distOf(app), '.build-stamp');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : filesUnder(path);
    return [path];
  });
}

/** A fingerprint of everything an app's build reads. */
export function webAppFingerprint(app: WebApp): string {
  const hash = createHash('sha256');
  for (const file of [app.dir, ...app.shared].flatMap(filesUnder).sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const require = createRequire(join(ROOT, 'package.json'));
  for (const name of app.bundled) {
    let version = 'missing';
    try {
      version = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      // Not installed: part of the fingerprint all the same.
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

export function webAppIsFresh(app: WebApp): boolean {
  const stamp = stampOf(app);
  return existsSync(join(distOf(app), 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === webAppFingerprint(app);
}

function buildToolsInstalled(): boolean {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('vite/package.json');
    return true;
  } catch {
    return false;
  }
}

/** Builds one app unless (with `ifStale`) its build is current. Returns whether it built. */
export async function buildWebApp(app: WebApp, options: { ifStale: boolean; quiet?: boolean }): Promise<boolean> {
  if (options.ifStale && webAppIsFresh(app)) return false;
  const dist = distOf(app);
  if (!buildToolsInstalled()) {
    const state = existsSync(join(dist, 'index.html')) ? 'the existing build (possibly stale) stays in use' : `the gateway answers /${app.name}/ with 503`;
    console.warn(`[${app.name}] Vite is not installed (an install without devDependencies?): not building; ${state}.`);
    return false;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(app.dir, 'vite.config.ts'), logLevel: options.quiet ? 'error' : 'warn' });
  writeFileSync(stampOf(app), `${webAppFingerprint(app)}\n`);
  const size = readdirSync(join(dist, 'assets')).reduce((sum, name) => sum + statSync(join(dist, 'assets', name)).size, 0);
  console.log(`[${app.name}] built ${relative(ROOT, dist)} in ${((Date.now() - started) / 1000).toFixed(1)} s (${(size / 1e6).toFixed(1)} MB of assets)`);
  return true;
}

/** Builds every app (one after another: Vite's builds are CPU-bound). */
export async function buildWebApps(options: { ifStale: boolean; quiet?: boolean }): Promise<void> {
  for (const app of WEB_APPS) await buildWebApp(app, options);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWebApps({ ifStale: process.argv.includes('--if-stale') });
}
