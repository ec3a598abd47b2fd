import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The officials' dashboard as static files the gateway serves at /dashboard/. Everything is
 * bundled (Chart.js included), so the page loads nothing from another host.
 * Build: `npm run build:web` (npm start and npm test run it when the build is missing or stale).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works under /dashboard/ and behind a proxy that adds a prefix.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
  // The sign-in code is the explorer's (explorer/src/session.ts), outside this root.
  server: { fs: { allow: ['..'] } },
});
