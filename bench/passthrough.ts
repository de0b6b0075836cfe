/**
 * The kafkajs ceiling for a transactional consume → produce loop: no deserialization, no state, no per-record work.
 * Consumes an input topic (every partition, read_committed), re-produces each record's key and value bytes to an
 * output topic (default partitioner, i.e. murmur2 of the key), and commits the consumed offsets in the same
 * transaction: one transaction per fetched batch of a partition, at most `maxPerTransaction` records each.
 *
 * As a module: `startPassthrough({...})`. As a script (prints RUNNING once the consumer has its partitions, exits 0
 * on SIGTERM/SIGINT after the open transaction finishes):
 *
 *   node bin/run-ts.js bench/passthrough.ts --brokers 127.0.0.1:39092 --input x.transfer_request --output x.passthrough \
 *     [--group x-passthrough] [--transactional-id x-passthrough] [--max-per-transaction 5000]
 */
import { resolve } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

export interface PassthroughOptions {
  brokers: string[];
  input: string;
  output: string;
  /** Consumer group whose offsets the transactions commit. Default `<output>-passthrough`. */
  groupId?: string;
  /** Default `<groupId>-tx`: stable, so a restarted instance fences the previous one. */
  transactionalId?: string;
  /** Records per transaction at most (a fetched batch larger than this is split). Default 5000. */
  maxPerTransaction?: number;
  /** Largest fetch per partition, bytes (bounds the batch size). Default 4 MiB. */
  maxBytesPerPartition?: number;
}

export interface Passthrough {
  /** Resolves once the consumer joined its group and got its partitions. */
  readonly ready: Promise<void>;
  /** Rejects if the consumer crashes for good; never resolves. */
  readonly failed: Promise<never>;
  stats(): { records: number; transactions: number };
  /** Lets the current transaction finish, then disconnects. */
  stop(): Promise<void>;
}

export async function startPassthrough(opts: PassthroughOptions): Promise<Passthrough> {
  const groupId = opts.groupId ?? `${opts.output}-passthrough`;
  const transactionalId = opts.transactionalId ?? `${groupId}-tx`;
  const max = opts.maxPerTransaction ?? 5000;
  const kafka = new Kafka({ clientId: groupId, brokers: opts.brokers, logLevel: logLevel.ERROR, retry: { initialRetryTime: 100, retries: 8 } });
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 500,
  });
  let records = 0;
  let transactions = 0;
  let fail!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  let joined!: () => void;
  const ready = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) fail(e.payload.error);
  });

  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [opts.input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length; i += max) {
        if (!isRunning() || isStale()) return;
        const chunk = batch.messages.slice(i, i + max);
        const last = chunk[chunk.length - 1].offset;
        const tx = await producer.transaction();
        try {
          await tx.send({ topic: opts.output, messages: chunk.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })) });
          await tx.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
          });
          await tx.commit();
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err; // kafkajs re-fetches from the last resolved offset
        }
        resolveOffset(last);
        records += chunk.length;
        transactions++;
        await heartbeat();
      }
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    ready,
    failed,
    stats: () => ({ records, transactions }),
    stop: () =>
      (stopping ??= (async () => {
        await consumer.disconnect(); // waits for the running eachBatch (and its transaction) to finish
        await producer.disconnect();
      })()),
  };
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]) {
  const input = arg(args, 'input');
  const output = arg(args, 'output');
  if (!input || !output) {
    process.stderr.write('usage: passthrough.ts --input TOPIC --output TOPIC [--brokers H:P] [--group G] [--transactional-id T] [--max-per-transaction N]\n');
    process.exit(2);
  }
  const p = await startPassthrough({
    brokers: (arg(args, 'brokers') ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    input,
    output,
    groupId: arg(args, 'group'),
    transactionalId: arg(args, 'transactional-id'),
    maxPerTransaction: arg(args, 'max-per-transaction') ? Number(arg(args, 'max-per-transaction')) : undefined,
  });
  const done = new Promise<string>((r) => {
    process.once('SIGTERM', () => r('SIGTERM'));
    process.once('SIGINT', () => r('SIGINT'));
  });
  await Promise.race([p.ready, p.failed]);
  process.stdout.write('RUNNING\n');
  try {
    await Promise.race([done, p.failed]);
  } catch (err) {
    process.stderr.write(`passthrough failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await p.stop().catch(() => undefined);
    process.exit(1);
  }
  await p.stop();
  const s = p.stats();
  process.stderr.write(`passthrough: ${s.records} records in ${s.transactions} transactions\n`);
  process.exit(0);
}

// Runnable directly (bin/run-ts.js sets argv[1] to this file) as well as importable.
if (process.argv[1] && resolve(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') === __filename.replace(/\.[cm]?[jt]s$/, '')) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`passthrough: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
