// Memory shared between views of one visit (the PIN is never written to storage).
export const store = { receipt: null, tracking: null };
