/**
 * `node bin/run-ts.js bench/compare-main.ts --transfers 30000 --accounts 1000 --rounds 2 --systems ks,passthrough,ours-all,ours-4`
 * Options: --retry-rate 0.1, --seed 42, --port 39092, --timeout SECONDS, --count-topics (records per topic after each
 * run), --max-batch-size N (ours). JSON on stdout, progress on stderr. See bench/compare.ts.
 */
import { cleanupCompare, compareOnBroker, SystemName } from './compare';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]) {
  const num = (name: string) => (option(args, name) === undefined ? undefined : Number(option(args, name)));
  let interrupted = false;
  const onSignal = (sig: string) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`compare: ${sig}: stopping the system under test and the broker\n`);
    cleanupCompare().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  const result = await compareOnBroker({
    transfers: num('transfers') ?? 30_000,
    accounts: num('accounts') ?? 1000,
    rounds: num('rounds') ?? 2,
    systems: option(args, 'systems')?.split(',').map((s) => s.trim()) as SystemName[] | undefined,
    retryRate: num('retry-rate'),
    seed: num('seed'),
    port: num('port'),
    timeoutSeconds: num('timeout'),
    countTopics: args.includes('--count-topics'),
    maxBatchSize: num('max-batch-size'),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main(process.argv.slice(2)).catch(async (err) => {
  process.stderr.write(`compare: ${err instanceof Error ? err.stack : String(err)}\n`);
  await cleanupCompare();
  process.exit(1);
});
