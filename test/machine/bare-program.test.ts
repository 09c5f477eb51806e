import { describe, expect, it } from 'vitest';
import { BareMachine } from '../../src/machine/machine';
import { bareProgram } from './bare-program';

describe('bareProgram (the browser tests’ hand-encoded program)', () => {
  it('prints, sums and retires exactly the instructions it claims', () => {
    const { elf, instructions } = bareProgram('ok\n', 1000);
    const out: number[] = [];
    const m = new BareMachine({ ramSize: 1 << 20, onOutput: (b) => out.push(b) });
    m.loadElf(elf);
    const exit = m.run({ maxInstructions: 1_000_000 });
    expect(exit.kind).toBe('pass');
    expect(String.fromCharCode(...out)).toBe('ok\n');
    expect(exit.instructions).toBe(instructions);
    expect(new DataView(m.bus.ram.buffer).getUint32(0x1000, true)).toBe(500500);
  });
});
