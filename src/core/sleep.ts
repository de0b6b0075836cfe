export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: `base * 2^attempt`, capped. */
export const backoff = (attempt: number, base: number, cap: number): number => Math.min(cap, base * 2 ** attempt);
