import { createReadStream, rmSync } from 'node:fs';
import { Argv } from 'yargs';
import { createKafka, parseBrokers } from '../kafka/kafka-connection';
import { TopicEncoder, TopicProducer, topicSerdes } from '../kafka/topic-producer';
import { TopicView } from '../kafka/topic-view';
import { requireTopics, withAdmin } from '../kafka/topic-admin';
import { toKafkaMessage } from '../kafka/kafka-records';
import { allPartitionsAssigner } from '../kafka/task-assigner';
import { createTransferServer, listen } from '../http/transfer-server';
import { validateTransfer } from '../http/transfer-validation';
import { createLogger } from '../runtime/logger';
import { StreamsError } from '../errors/streams-error';
import { TopologyTestDriver } from '../testing/topology-test-driver';
import { walletTopicsOf } from '../../topology/wallet';
import { Balance, TransferRequest } from '../../topology/wallet-types';
import { DEFAULT_TOPOLOGY, loadTopology } from './load-topology';
import { jsonCodec } from './json-codec';
import { produceLines } from './produce-lines';
import { onSignals } from './signals';

const DEFAULT_HTTP = process.env.HTTP_ADDR ?? '127.0.0.1:8000';
const newerVersion = (current: Balance, incoming: Balance) => current.version > incoming.version;
const print = (line: string) => process.stdout.write(`${line}\n`);

function common<T>(y: Argv<T>) {
  return y
    .option('topology', { type: 'string', default: DEFAULT_TOPOLOGY, defaultDescription: 'topology/wallet.ts' })
    .option('partitions', { type: 'number' })
    .option('brokers', { type: 'string', describe: 'Kafka bootstrap servers (env KAFKA_BROKERS, default localhost:9092)' });
}

/** The wallet's user-facing commands: the transfer API (on Kafka or embedded), and JSON-lines produce/consume. */
export function registerWalletCommands(cli: Argv): Argv {
  return cli
    .command(
      'serve',
      'the transfer API: POST /api/v1/transfers into Kafka, balances from wallet.balance',
      (y) => common(y).option('http', { type: 'string', default: DEFAULT_HTTP, describe: 'listen address (env HTTP_ADDR)' }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const partitions = args.partitions ?? topology.defaultPartitions;
        const topics = walletTopicsOf(topology);
        const logger = createLogger('topology-serve');
        // Few retries: a client waiting on a dead broker should get its 503 in seconds, not minutes.
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-serve`, logger, { retries: 2 });
        await withAdmin(kafka, (admin) => requireTopics(admin, topology.topics(partitions).filter((t) => t.name === topics.transferRequest || t.name === topics.balance)));
        const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (t) => t.request_id, partitions });
        const view = await TopicView.start<string, Balance>(kafka, topics.balance, topicSerdes(topology, topics.balance), { keepCurrent: newerVersion, groupPrefix: `${topology.applicationId}-serve-view`, logger });
        const server = createTransferServer({
          publish: async (t) => void (await producer.sendOne({ value: t })),
          getBalance: (account) => view.get(account),
          logger,
        });
        const at = await listen(server, args.http);
        process.stderr.write(`transfer API on http://${at.host}:${at.port} (brokers ${parseBrokers(args.brokers).join(',')})\n`);
        onSignals(async () => {
          await new Promise((r) => server.close(r));
          await Promise.all([producer.close(), view.close()]);
        });
      },
    )
    .command(
      'dev',
      'the whole wallet in one process: the transfer API and every task, on an in-memory log (no broker)',
      (y) =>
        common(y)
          .option('http', { type: 'string', default: DEFAULT_HTTP, describe: 'listen address (env HTTP_ADDR)' })
          .option('state-dir', { type: 'string', default: './data/dev', describe: 'task state (RocksDB); emptied at start, as the in-memory log is' }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const topics = walletTopicsOf(topology);
        // The log lives in memory and starts empty, so state from an earlier run describes a history that is gone.
        rmSync(`${args.stateDir}/${topology.applicationId}`, { recursive: true, force: true });
        const driver = await TopologyTestDriver.create(topology, { partitions: args.partitions, stateDir: args.stateDir, onReport: print, logger: createLogger('topology-dev', 'warn') });
        const input = driver.inputTopic<string, TransferRequest>(topics.transferRequest);
        const balances = driver.outputTopic<string, Balance>(topics.balance);
        const latest = new Map<string, Balance>();
        const server = createTransferServer({
          publish: async (t) => void (await input.pipe(t.request_id, t)),
          // Fold in only what was committed since the last look, not the whole topic on every GET.
          getBalance: (account) => {
            for (const r of balances.readNew()) latest.set(r.key, r.value);
            return latest.get(account);
          },
          // Dev mode is for reading the balance lines: request logs only with LOG_LEVEL=info.
          logger: createLogger('topology-dev-http', 'warn'),
        });
        const at = await listen(server, args.http);
        process.stderr.write(`wallet dev mode: transfer API on http://${at.host}:${at.port}; tasks ${driver.taskIds.join(' ')} on an in-memory log (nothing is kept after exit)\n`);
        onSignals(async () => {
          await new Promise((r) => server.close(r));
          await driver.close();
        });
      },
    )
    .command(
      'produce',
      'validate, encode and produce JSON lines (stdin or --file) to a topic',
      (y) =>
        common(y)
          .option('topic', { type: 'string', demandOption: true })
          .option('file', { type: 'string', describe: 'JSON-lines file (default: stdin)' })
          .option('key-field', { type: 'string', default: 'request_id', describe: 'field of each value used as the record key' }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const partitions = args.partitions ?? topology.defaultPartitions;
        const codec = jsonCodec(topology, args.topic);
        const encoder = new TopicEncoder<unknown, unknown>(topology, args.topic, undefined, partitions);
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-produce`);
        await withAdmin(kafka, (admin) => requireTopics(admin, topology.topics(partitions).filter((t) => t.name === args.topic)));
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await producer.connect();
        const isTransfers = args.topic === walletTopicsOf(topology).transferRequest;
        try {
          const summary = await produceLines({
            input: args.file ? createReadStream(args.file) : process.stdin,
            codec,
            encoder,
            keyField: args.keyField,
            // Transfer requests get the HTTP API's rules (UUIDs, amounts >= 0.01, from != to), not only the schema's.
            fromJson: isTransfers ? transferFromJson : undefined,
            send: async (records) => void (await producer.send({ topic: args.topic, acks: -1, messages: records.map(toKafkaMessage) })),
          });
          for (const r of summary.rejected) process.stderr.write(`line ${r.line}: ${r.message}\n`);
          process.stderr.write(`${summary.written} written, ${summary.rejected.length} rejected\n`);
          if (summary.rejected.length > 0) process.exitCode = 1;
        } finally {
          await producer.disconnect();
        }
      },
    )
    .command(
      'consume',
      'print a topic as JSON lines, decoded with the topology\'s serdes',
      (y) =>
        common(y)
          .option('topic', { type: 'string', demandOption: true })
          .option('from-beginning', { type: 'boolean', default: false })
          .option('max-messages', { type: 'number', describe: 'stop after this many records' })
          .option('idle-timeout-ms', { type: 'number', describe: 'stop when nothing arrived for this long' }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const codec = jsonCodec(topology, args.topic);
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-consume`);
        const consumer = kafka.consumer({ groupId: `${topology.applicationId}-consume-${process.pid}-${Date.now()}`, partitionAssigners: [allPartitionsAssigner()], readUncommitted: false, maxWaitTimeInMs: 100 });
        await consumer.connect();
        await consumer.subscribe({ topics: [args.topic], fromBeginning: args.fromBeginning });
        let seen = 0;
        let idle: NodeJS.Timeout | undefined;
        const done = new Promise<void>((resolve) => {
          const stop = () => resolve();
          onSignals(async () => stop());
          const arm = () => {
            if (!args.idleTimeoutMs) return;
            clearTimeout(idle);
            idle = setTimeout(stop, args.idleTimeoutMs);
          };
          arm();
          void consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (args.maxMessages !== undefined && seen >= args.maxMessages) return;
              try {
                const key = message.key === null ? null : codec.serdes.key.deserialize(message.key, args.topic);
                const value = message.value === null ? null : codec.valueToJson(codec.serdes.value.deserialize(message.value, args.topic));
                print(JSON.stringify({ partition, offset: Number(message.offset), key, value }));
              } catch (err) {
                // An undecodable record is reported with its position and skipped, not retried forever.
                process.stderr.write(`${args.topic}[${partition}]@${message.offset}: cannot decode: ${err instanceof Error ? err.message : err}\n`);
              }
              seen += 1;
              arm();
              if (args.maxMessages !== undefined && seen >= args.maxMessages) stop();
            },
          });
        });
        await done;
        clearTimeout(idle);
        await consumer.disconnect();
      },
    );
}

function transferFromJson(json: unknown): TransferRequest {
  const result = validateTransfer(json);
  if (!result.ok) throw new StreamsError(`${result.error.code}: ${result.error.message}`, { code: result.error.code });
  return result.transfer;
}
