/**
 * enum xenbus_state of xen/include/public/io/xenbus.h: the value of the
 * `state` node of every split-driver frontend and backend.
 */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  /** Backend: ready for the frontend to set up its rings. */
  InitWait: 2,
  /** Frontend: ring-ref and event-channel are published. */
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusState = (typeof XenbusState)[keyof typeof XenbusState];
