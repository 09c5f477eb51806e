import type { TabvisorApi } from '../worker/api.ts';

/**
 * The worker API's data types as the desktop sees them, derived from
 * TabvisorApi itself so that the page depends on src/worker/api.ts alone
 * (DESIGN.md: ui → worker API, never further down).
 */
export type {
  TabvisorApi,
  DomainSummary,
  HostSummary,
  KeyEvent,
  BootOptions,
  NetworkView,
  BridgePortView,
  FrameView,
} from '../worker/api.ts';

type CallbackValue<F> = F extends (cb: (value: infer V) => unknown, ...rest: never[]) => unknown
  ? V
  : never;

export type BootProgress = Awaited<ReturnType<TabvisorApi['bootProgress']>>[number];
export type BootStage = BootProgress['stage'];
export type LogEntry = CallbackValue<TabvisorApi['subscribeLog']>;
export type ToolstackEvent = CallbackValue<TabvisorApi['subscribeDomains']>;
export type ScreenUpdate = NonNullable<Awaited<ReturnType<TabvisorApi['screenUpdate']>>>;
export type ScreenRegion = ScreenUpdate['regions'][number];
