import { describe as describeError } from './run-command';

/** Stops `stop` on SIGINT/SIGTERM, then exits 0. */
export function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        process.stderr.write(`error while stopping: ${describeError(err)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

