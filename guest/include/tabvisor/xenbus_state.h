/* XenbusState (xen/include/public/io/xenbus.h). Mirrors src/vmm/abi/xenbus-state.ts. */
#ifndef TABVISOR_XENBUS_STATE_H
#define TABVISOR_XENBUS_STATE_H

enum xenbus_state {
    XenbusStateUnknown = 0,
    XenbusStateInitialising = 1,
    XenbusStateInitWait = 2,       /* back end published its features, waits for the front */
    XenbusStateInitialised = 3,    /* front end published ring-ref and event-channel */
    XenbusStateConnected = 4,
    XenbusStateClosing = 5,
    XenbusStateClosed = 6,
    XenbusStateReconfiguring = 7,
    XenbusStateReconfigured = 8,
};

#endif
