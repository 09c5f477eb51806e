#!/usr/bin/env node
// Runs every check the project has — type check, lint, the Vitest projects
// (unit in Node, browser in Chromium, conformance against QEMU) — and ends with
// one `N passed, N failed` line that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('lint', 'npx', ['eslint', '.']);
step('format', 'npx', ['prettier', '--check', '.']);
if (existsSync('guest/Makefile'))
  step('guest image reproducible', 'bash', ['scripts/check-guest-image.sh']);

const out = join(mkdtempSync(join(tmpdir(), 'tabvisor-test-')), 'vitest.json');
console.log('\n=== vitest (unit, browser, conformance)');
const v = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
  { stdio: 'inherit', env: process.env },
);
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that fails to load has no failed tests of its own: count it.
  for (const suite of report.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.every((a) => a.status !== 'failed')) {
      failed++;
      failures.push(`suite ${suite.name}`);
    }
  }
  for (const suite of report.testResults)
    for (const a of suite.assertionResults) if (a.status === 'failed') failures.push(a.fullName);
} else {
  failed++;
  failures.push('vitest produced no report');
}
if (v.status !== 0 && failed === 0) {
  failed++;
  failures.push(`vitest exited with ${v.status}`);
}

if (failures.length) console.log(`\nFailed:\n  ${failures.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
