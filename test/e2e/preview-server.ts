import { createServer } from 'node:net';
import { build, preview, type PreviewServer } from 'vite';

/**
 * The app as a student gets it: `vite build` into a directory of its own,
 * served by `vite preview` on 127.0.0.1 at a free port.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function buildApp(root: string, outDir: string): Promise<void> {
  // A production build even under Vitest, which sets NODE_ENV=test (Vite then resolves
  // packages' "development" exports: Lit's dev build). `vite build` from the shell does this.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export async function serveApp(
  root: string,
  outDir: string,
): Promise<{ server: PreviewServer; url: string }> {
  const port = await freePort();
  const server = await preview({
    root,
    mode: 'production',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true },
  });
  return { server, url: `http://127.0.0.1:${port}/` };
}
