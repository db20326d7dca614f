import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The dashboard build: `vite build web` → `web/dist`, served by the server at `/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    // The build runs inside `npm run build`; timing hints about plugins are noise there.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // `npx vite web` proxies the API to a running `vigil server` for UI work.
    proxy: { '/api': 'http://127.0.0.1:9470', '/agent.js': 'http://127.0.0.1:9470' },
  },
});
