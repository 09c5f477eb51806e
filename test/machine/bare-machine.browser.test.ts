import { describe, expect, it } from 'vitest';
import type { WorkerReply } from './bare-machine.worker';

function runInWorker(text: string, loops: number): Promise<WorkerReply> {
  const worker = new Worker(new URL('./bare-machine.worker.ts', import.meta.url), {
    type: 'module',
  });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({ text, loops });
  });
}

describe('bare machine in a real Web Worker (Chromium)', () => {
  it('runs a program to the test finisher with exact output and instruction count', async () => {
    const loops = 1_000_000;
    const r = await runInWorker('hello from a worker\n', loops);
    expect(r.output).toBe('hello from a worker\n');
    expect(r.kind).toBe('pass');
    expect(r.instructions).toBe(r.expectedInstructions);
    // Sum 1..loops, modulo 2^32.
    expect(r.sum).toBe(Number(((BigInt(loops) * BigInt(loops + 1)) / 2n) % 2n ** 32n));
  });
});
