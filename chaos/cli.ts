/**
 * The `npm run chaos` command (chaos/run.ts calls `main`): starts a broker of its own on 127.0.0.1:49092 (data in
 * .kafka/chaos-data, wiped at start; stopped at the end, and by start.sh's watchdog if this process dies) unless
 * `--brokers` names a cluster, runs the chaos harness (chaos/harness.ts) and prints its JSON summary on stdout.
 * Progress goes to stderr and to .chaos/runs/<wallet id>/.
 */
import { OwnBroker } from './broker-control';
import { runChaos } from './harness';
import { parseChaosArgs, USAGE, UsageError } from './options';

/** The exit code: 0 if the checker found nothing wrong, 1 if it did (or the run failed), 2 for bad arguments. */
export async function main(argv: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void } = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout(`${USAGE}\n`);
    return 0;
  }
  let options;
  try {
    options = parseChaosArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      out.stderr(`chaos: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const own = options.brokers === undefined ? new OwnBroker() : undefined;
  const onInterrupt = () => void Promise.resolve(own?.stop()).finally(() => process.exit(130));
  process.once('SIGINT', onInterrupt);
  try {
    if (own) {
      out.stderr(`chaos: starting a broker of its own on ${own.brokers} (.kafka/chaos-data, wiped)\n`);
      await own.start();
    }
    const summary = await runChaos(options, { broker: own ?? { brokers: options.brokers! } });
    out.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.ok ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await own?.stop();
  }
}
