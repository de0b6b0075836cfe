import { describe as describeError } from './run-command';

/** How long a clean close may take after the first SIGINT/SIGTERM before the process gives up on it. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/** What shuts down on a signal: one function, or named parts (closed together; the names appear in messages). */
export type Closers = (() => Promise<void>) | Record<string, () => Promise<void>>;

export interface SignalOptions {
  /** Longest clean close, in ms, before exiting 1 with the names of the parts still closing (default 30 s). */
  closeTimeoutMs?: number;
  /** The name of a single stop function in messages (default "shutdown"). */
  name?: string;
  /** The process to watch and end (tests pass a stand-in). */
  process?: SignalTarget;
}

/** The part of `process` that signal handling uses. */
export interface SignalTarget {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): void;
  stderr: { write(text: string): unknown };
}

const EXIT_ON_SECOND_SIGNAL: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`);

/**
 * On the first SIGINT/SIGTERM, closes `stop` cleanly, then exits 0 (1 if a part fails). A clean close has a deadline
 * (`closeTimeoutMs`): past it the process exits 1, naming the parts that did not close. A second signal exits at once
 * (130 for SIGINT, 143 for SIGTERM) without waiting: an open transaction is then aborted when its task next starts.
 */
export function onSignals(stop: Closers, options: SignalOptions = {}): void {
  const proc = options.process ?? process;
  const timeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const parts = typeof stop === 'function' ? { [options.name ?? 'shutdown']: stop } : stop;
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      proc.stderr.write(`${signal} again: exiting now, without waiting for a clean close\n`);
      proc.exit(EXIT_ON_SECOND_SIGNAL[signal] ?? 1);
      return;
    }
    stopping = true;
    proc.stderr.write(`${signal}: stopping (up to ${seconds(timeoutMs)}; ${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to exit at once)\n`);
    const open = new Set(Object.keys(parts));
    let failed = false;
    const deadline = setTimeout(() => {
      proc.stderr.write(`error: did not close within ${seconds(timeoutMs)}: ${[...open].join(', ')}\n`);
      proc.exit(1);
    }, timeoutMs);
    void Promise.all(
      Object.entries(parts).map(async ([name, close]) => {
        try {
          await close();
        } catch (err) {
          failed = true;
          proc.stderr.write(`error while stopping ${name}: ${describeError(err)}\n`);
        } finally {
          open.delete(name);
        }
      }),
    ).then(() => {
      clearTimeout(deadline);
      proc.exit(failed ? 1 : 0);
    });
  };
  proc.on('SIGINT', () => handler('SIGINT'));
  proc.on('SIGTERM', () => handler('SIGTERM'));
}
