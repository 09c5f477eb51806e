// Runs the bare machine inside a real Web Worker: src/cpu and src/machine must
// work there unchanged (DESIGN.md, "Layers and boundaries").
import { BareMachine } from '../../src/machine/machine';
import { bareProgram } from './bare-program';

export interface WorkerRequest {
  text: string;
  loops: number;
}

export interface WorkerReply {
  output: string;
  kind: string;
  instructions: number;
  expectedInstructions: number;
  sum: number;
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const { text, loops } = event.data;
  const { elf, instructions } = bareProgram(text, loops);
  const bytes: number[] = [];
  const m = new BareMachine({ ramSize: 16 << 20, onOutput: (b) => bytes.push(b) });
  m.loadElf(elf);
  const exit = m.run({ maxInstructions: 50_000_000 });
  const sum = new DataView(m.bus.ram.buffer).getUint32(0x1000, true);
  const reply: WorkerReply = {
    output: new TextDecoder().decode(new Uint8Array(bytes)),
    kind: exit.kind,
    instructions: exit.instructions,
    expectedInstructions: instructions,
    sum,
  };
  self.postMessage(reply);
};
