/**
 * The Web Worker that runs Tabvisor: it exposes the API of ./api.ts with
 * Comlink; the page boots the VMM, the VM server and the autostart guests
 * through it. The VMM's loop runs here, yielding to the worker's event loop
 * between batches so API calls are answered while guests run.
 */
import * as Comlink from 'comlink';
import { WorkerApi } from './api.ts';

Comlink.expose(new WorkerApi());
