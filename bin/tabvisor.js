#!/usr/bin/env node
// Runs straight from a checkout: tsx compiles the TypeScript sources on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
