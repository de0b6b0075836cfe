/**
 * `npm run chaos -- --transfers N --kills K --broker-kills B --stalls S [--accounts A] [--seed X] ...`: the options
 * of a chaos run, parsed and checked, with a clear error for anything wrong.
 */
import { parseArgs } from 'node:util';

export interface ChaosOptions {
  /** Transfer requests sent, retries included. */
  transfers: number;
  /** SIGKILLs of a random task (a quarter of them restart on a wiped state dir). */
  kills: number;
  /** SIGKILLs of the broker, each restarted on its data. */
  brokerKills: number;
  /** SIGSTOPs of a random task for `stallMs`, then SIGCONT. */
  stalls: number;
  /** Distinct accounts transfers move money among. */
  accounts: number;
  seed: number;
  /** Transfer requests sent per second (the run's production lasts transfers / rate seconds). */
  rate: number;
  /** The tasks' transaction timeout (`topology run --transaction-timeout-ms`). */
  transactionTimeoutMs: number;
  /** How long a stall lasts: longer than the tasks' transaction timeout plus the broker's 10 s expiry check. */
  stallMs: number;
  /** Share of sends that repeat an earlier request (same request id and content). */
  retryRate: number;
  /** An existing cluster instead of a broker of the run's own (broker kills are then refused). */
  brokers?: string;
  /** How long the outputs may take to complete once production and faults are over. */
  settleTimeoutMs: number;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run chaos -- --transfers N --kills K --broker-kills B --stalls S [options]

  --transfers N       transfer requests to send, retries included (required)
  --kills K           SIGKILLs of random tasks, a quarter of them restarted on a wiped state dir (required)
  --broker-kills B    SIGKILLs of the broker, each restarted on its data (required; 0 with --brokers)
  --stalls S          SIGSTOPs of a random task for --stall-seconds, then SIGCONT (required)
  --accounts A        accounts to move money among (default 1000)
  --seed X            seed of the plan (default: random; printed)
  --rate R            transfer requests per second (default 250)
  --transaction-timeout-seconds X  the tasks' transaction timeout (default 60)
  --stall-seconds T   length of a stall (default: the transaction timeout + 15, past the broker's 10 s expiry check)
  --retry-rate P      share of sends that repeat an earlier request (default 0.1)
  --settle-seconds T  longest wait for the outputs to complete after the last fault (default 600)
  --brokers LIST      use this cluster instead of starting a broker on 127.0.0.1:49092`;

function integer(name: string, text: string | undefined, min: number, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required\n\n${USAGE}`);
    return fallback;
  }
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be at least ${min}, got ${text}`);
  return n;
}

function number(name: string, text: string | undefined, fallback: number, ok: (n: number) => boolean, rule: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} must be ${rule}, got ${JSON.stringify(text)}`);
  return n;
}

export function parseChaosArgs(argv: string[]): ChaosOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        ['transfers', 'kills', 'broker-kills', 'stalls', 'accounts', 'seed', 'rate', 'stall-seconds', 'transaction-timeout-seconds', 'retry-rate', 'settle-seconds', 'brokers'].map((n) => [n, { type: 'string' as const }]),
      ),
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const text = (name: string) => values[name] as string | undefined;
  const options: ChaosOptions = {
    transfers: integer('transfers', text('transfers'), 1),
    kills: integer('kills', text('kills'), 0),
    brokerKills: integer('broker-kills', text('broker-kills'), 0),
    stalls: integer('stalls', text('stalls'), 0),
    accounts: integer('accounts', text('accounts'), 2, 1000),
    seed: integer('seed', text('seed'), 0, Math.floor(Math.random() * 2 ** 31)),
    rate: number('rate', text('rate'), 250, (n) => n > 0, 'a positive number of transfers per second'),
    transactionTimeoutMs: 1000 * integer('transaction-timeout-seconds', text('transaction-timeout-seconds'), 1, 60),
    stallMs: 0,
    retryRate: number('retry-rate', text('retry-rate'), 0.1, (n) => n >= 0 && n < 1, 'in [0, 1)'),
    settleTimeoutMs: 1000 * integer('settle-seconds', text('settle-seconds'), 1, 600),
    brokers: text('brokers')?.trim() || undefined,
  };
  // A stall must outlast the transaction timeout and the broker's 10 s check for expired transactions.
  options.stallMs = 1000 * integer('stall-seconds', text('stall-seconds'), 1, options.transactionTimeoutMs / 1000 + 15);
  if (options.brokers !== undefined && options.brokerKills > 0) {
    throw new UsageError(`--broker-kills ${options.brokerKills} needs the run's own broker: with --brokers ${options.brokers} the harness cannot kill and restart the cluster (use --broker-kills 0, or leave out --brokers)`);
  }
  if (options.seed > 0xffffffff) throw new UsageError(`--seed must fit 32 bits, got ${options.seed}`);
  return options;
}
