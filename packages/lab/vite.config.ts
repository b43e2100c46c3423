import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Systems are loaded per page (and per run in the worker) through dynamic imports, so both bundles are
  // split into chunks; the worker's carry a prefix so that a reader of dist/ (the lab benchmark) can tell
  // what the page loads from what the worker loads.
  worker: {
    format: 'es',
    rolldownOptions: { output: { chunkFileNames: 'assets/worker-[name]-[hash].js' } },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
