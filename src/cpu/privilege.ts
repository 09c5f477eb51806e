/**
 * Privilege levels as numbers (privileged spec 1.12 §1.2, Table 1.1), for modules
 * below hart.ts; hart.ts exposes the same values as the `Priv` enum of its API.
 */
export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;
