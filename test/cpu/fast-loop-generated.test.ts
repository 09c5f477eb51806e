import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const target = `${root}src/cpu/fast-loop.ts`;

describe('src/cpu/fast-loop.ts', () => {
  it('is what scripts/cpu/gen-fast-loop.py generates (edit the generator, not the output)', async () => {
    const gen = spawnSync('python3', [`${root}scripts/cpu/gen-fast-loop.py`], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const options = (await prettier.resolveConfig(target)) ?? {};
    const generated = await prettier.format(gen.stdout, { ...options, filepath: target });
    expect(generated === readFileSync(target, 'utf8')).toBe(true);
  });
});
