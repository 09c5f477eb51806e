import { defineConfig } from 'vite';

export default defineConfig({
  // Served from any static host, under any path.
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
});
