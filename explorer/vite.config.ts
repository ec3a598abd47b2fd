import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The explorer (GraphiQL + the explorer plugin) as static files the gateway serves at /explorer/.
 * Everything is bundled: scripts, styles, Monaco's editor workers and its icon font, so the page
 * loads nothing from another host (government networks are often closed).
 * Build: `npm run build:web` (npm start and npm test run it when the build is missing or stale).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works under /explorer/ and behind a proxy that adds a prefix.
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco alone is about 3 MB; it is loaded once and cached (hashed file names).
    chunkSizeWarningLimit: 4_000,
    rolldownOptions: {
      onwarn(warning, warn) {
        // GraphiQL's React-compiler "use no memo" directives: harmless in a bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  // Monaco's GraphQL and JSON language workers, as ES module files next to the page.
  worker: { format: 'es' },
});
