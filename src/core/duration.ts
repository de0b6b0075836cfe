import { StreamsError } from './errors/streams-error';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** '7d', '12h', '30s', '250ms' or a number of milliseconds. */
export type Duration = string | number;

export function parseDuration(input: Duration, what = 'duration'): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return input;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(input);
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
  }
  throw new StreamsError(`${what} '${input}' is not a duration such as '7d', '12h', '30s' or a number of ms`, {
    code: 'INVALID_DURATION',
  });
}
