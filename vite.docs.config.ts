import { defineConfig } from 'vite';
import { docsConfig, repoRoot } from './scripts/docs-site.ts';

// The static documentation site (`npm run docs:build` → build/docs/).
export default defineConfig(docsConfig(repoRoot));
