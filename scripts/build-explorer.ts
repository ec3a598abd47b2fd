/**
 * npm run build:explorer [-- --if-stale]
 * Builds the explorer (explorer/ → explorer/dist/, served by the gateway at /explorer/) with Vite.
 * With --if-stale (what `npm start` and `npm test` run first) it builds only when the build is
 * missing or its inputs changed: the explorer's sources and the installed versions of the packages
 * it bundles, fingerprinted in explorer/dist/.build-stamp. Without the build tools (an install
 * without devDependencies) it says so and leaves the gateway to answer /explorer/ with 503.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXPLORER = join(ROOT, 'explorer');
const DIST = join(EXPLORER, 'dist');
const STAMP = join(DIST, '.build-stamp');
/** Packages whose code ends up in the bundle (or builds it): a new version means a new build. */
const BUNDLED = ['vite', '@vitejs/plugin-react', 'graphiql', '@graphiql/react', '@graphiql/plugin-explorer', 'react', 'react-dom', 'graphql'];

/** A fingerprint of everything the build reads. */
export function explorerFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : walk(path);
      return [path];
    });
  for (const file of walk(EXPLORER).sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const require = createRequire(join(ROOT, 'package.json'));
  for (const name of BUNDLED) {
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

export function explorerIsFresh(): boolean {
  return existsSync(join(DIST, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === explorerFingerprint();
}

function buildToolsInstalled(): boolean {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('vite/package.json');
    return true;
  } catch {
    return false;
  }
}

/** Builds the explorer unless (with `ifStale`) the build is current. Returns whether it built. */
export async function buildExplorer(options: { ifStale: boolean; quiet?: boolean }): Promise<boolean> {
  if (options.ifStale && explorerIsFresh()) return false;
  if (!buildToolsInstalled()) {
    const state = existsSync(join(DIST, 'index.html')) ? 'the existing build (possibly stale) stays in use' : 'the gateway answers /explorer/ with 503';
    console.warn(`[explorer] Vite is not installed (an install without devDependencies?): not building; ${state}.`);
    return false;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(EXPLORER, 'vite.config.ts'), logLevel: options.quiet ? 'error' : 'warn' });
  writeFileSync(STAMP, `${explorerFingerprint()}\n`);
  const size = readdirSync(join(DIST, 'assets')).reduce((sum, name) => sum + statSync(join(DIST, 'assets', name)).size, 0);
  console.log(`[explorer] built explorer/dist in ${((Date.now() - started) / 1000).toFixed(1)} s (${(size / 1e6).toFixed(1)} MB of assets)`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildExplorer({ ifStale: process.argv.includes('--if-stale') });
}
