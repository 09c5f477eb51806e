// `npm run bench`: every benchmark, each printed as ours next to a reference
// run measured in the same session, with the ratio.
import { formatCpuBenchmark, runCpuBenchmark } from './cpu.ts';

const cpu = await runCpuBenchmark();
console.log(formatCpuBenchmark(cpu));
