/**
 * Benchmarks, JSON on stdout.
 *
 *   npm run bench                     in-process: the wallet in the driver at 20k / 200k / 1M transfers (RocksDB),
 *                                     the two RocksDB bindings, restart and rebuild of a task with 1M ids
 *   npm run bench -- --kafka          adds the real-broker comparison (fresh broker per run, A B A B): this project
 *                                     against Kafka Streams and a raw kafkajs transactional pass-through
 *   npm run bench -- --api BROKERS    adds the transfer API (`serve`, 32 concurrent clients) and the four task
 *                                     processes on a broker you run (e.g. `npm run kafka:start`)
 *
 * Knobs: BENCH_SIZES=20000,200000 (driver sizes), BENCH_RESTART_IDS, BENCH_KAFKA_TRANSFERS, BENCH_KAFKA_ROUNDS.
 * Figures on this 2-core machine are noisy: compare ratios measured in the same run, never absolute numbers alone.
 */
import { cpus, loadavg } from 'node:os';
import { driverScaling } from './driver-scaling';
import { compareStoreEngines } from './store-engines';
import { restartCost } from './restart-cost';

async function main() {
  const args = process.argv.slice(2);
  const sizes = (process.env.BENCH_SIZES ?? '20000,200000,1000000').split(',').map(Number);
  const result: Record<string, unknown> = {
    machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: loadavg().map((l) => +l.toFixed(2)) },
  };
  result.walletDriver = await driverScaling(sizes);
  result.storeEngines = await compareStoreEngines();
  result.restart = await restartCost(Number(process.env.BENCH_RESTART_IDS ?? 1_000_000));
  if (args.includes('--api')) {
    const { benchKafka } = await import('./kafka');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    result.api = await benchKafka(args[args.indexOf('--api') + 1], Number(process.env.BENCH_KAFKA_TRANSFERS ?? 3000), mkdtempSync(join(tmpdir(), 'bench-api-')));
  }
  if (args.includes('--kafka')) {
    const { compareOnBroker } = await import('./compare');
    result.kafka = await compareOnBroker({
      transfers: Number(process.env.BENCH_KAFKA_TRANSFERS ?? 30_000),
      accounts: 1000,
      rounds: Number(process.env.BENCH_KAFKA_ROUNDS ?? 2),
    });
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
