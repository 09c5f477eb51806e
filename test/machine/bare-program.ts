import { VIRT_MEMMAP } from '../../src/machine/address-map';
import { asm, li } from '../cpu/harness';
import { makeElf } from './make-elf';

const T0 = 5;
const T1 = 6;
const T2 = 7;
const T3 = 28;

/**
 * A small M-mode program built from encoded words, for places with no cross
 * compiler (the browser): it prints `text` on the UART, sums 1..`loops` in a
 * loop (3 instructions per iteration), stores the sum at RAM+0x1000 and ends
 * through the test finisher with 0x5555.
 */
export function bareProgram(
  text: string,
  loops: number,
): { elf: Uint8Array; instructions: number } {
  const words: number[] = [];
  words.push(...li(T0, VIRT_MEMMAP.uart0.base));
  for (const ch of new TextEncoder().encode(text)) {
    words.push(asm.addi(T1, 0, ch), asm.sb(T1, T0, 0));
  }
  words.push(asm.addi(T2, 0, 0), ...li(T3, loops));
  // loop: t2 += t3; t3 -= 1; bnez t3, loop
  words.push(asm.add(T2, T2, T3), asm.addi(T3, T3, -1), asm.bne(T3, 0, -8));
  words.push(...li(T0, VIRT_MEMMAP.dram.base + 0x1000), asm.sw(T2, T0, 0));
  words.push(...li(T0, VIRT_MEMMAP.test.base), ...li(T1, 0x5555), asm.sw(T1, T0, 0));
  words.push(asm.jal(0, 0)); // never reached: the finisher ends the run
  const code = new Uint8Array(new Uint32Array(words).buffer);
  const base = VIRT_MEMMAP.dram.base;
  // Every word retires once except the three loop words, which retire `loops` times;
  // the final store to the finisher retires, the jal after it does not.
  const instructions = words.length - 1 + 3 * (loops - 1);
  return { elf: makeElf(base, [{ paddr: base, data: code, memsz: 0x2000 }]), instructions };
}
