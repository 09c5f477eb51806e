// `npm run bench`: every benchmark, each printed as ours next to a reference
// run measured in the same session, with the ratio.
import { formatCpuBenchmark, runCpuBenchmark } from './cpu.ts';
import { formatDiskBenchmark, runDiskBenchmark } from './disk.ts';
import { formatNetBenchmark, runNetBenchmark } from './net.ts';
import { formatVmmBenchmark, runVmmBenchmark } from './vmm.ts';

console.log(formatCpuBenchmark(await runCpuBenchmark()));
console.log();
console.log(formatVmmBenchmark(await runVmmBenchmark()));
console.log();
console.log(formatDiskBenchmark(await runDiskBenchmark()));
console.log();
console.log(formatNetBenchmark(await runNetBenchmark()));
