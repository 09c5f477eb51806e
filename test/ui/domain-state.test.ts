import { describe, expect, it } from 'vitest';
import { stateWord } from '../../src/ui/domain-state';

describe('xl’s state column in one word', () => {
  it.each([
    ['r-----', 'running'],
    ['-b----', 'blocked'],
    ['--p---', 'paused'],
    ['---s--', 'shut down'],
    ['--p-c-', 'crashed'],
    ['------', 'idle'],
  ])('xl state %s reads as %s', (letters, word) => {
    expect(stateWord(letters)).toBe(word);
  });
});
