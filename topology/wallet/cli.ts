/**
 * The wallet's commands for the `topology` CLI (its `cli` plugin, exported by ./index.ts): the transfer API on Kafka
 * (`serve`) or embedded with every task on an in-memory log (`dev`), and the API's rules for
 * `topology produce --topic wallet.transfer_request`.
 */
import { rmSync } from 'node:fs';
import {
  CliPlugin,
  createKafka,
  createLogger,
  defineCliCommand,
  listen,
  requireTopics,
  StreamsError,
  TopicProducer,
  topicSerdes,
  TopicView,
  withAdmin,
} from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { BrokerUnavailableError, createTransferServer } from './http/transfer-server';
import { validateTransfer } from './http/transfer-validation';
import { walletTopicsOf } from './topology';
import { Balance, TransferRequest } from './types';

const DEFAULT_HTTP = process.env.HTTP_ADDR ?? '127.0.0.1:8000';
const newerVersion = (current: Balance, incoming: Balance) => current.version > incoming.version;
const print = (line: string) => process.stdout.write(`${line}\n`);

const serve = defineCliCommand({
  command: 'serve',
  describe: 'the transfer API: POST /api/v1/transfers into Kafka, balances from wallet.balance',
  builder: (y) => y.option('http', { type: 'string', default: DEFAULT_HTTP, describe: 'listen address (env HTTP_ADDR)' }),
  handler: async (args, { topology, partitions, brokers, onShutdown }) => {
    const topics = walletTopicsOf(topology);
    const logger = createLogger('topology-serve');
    // Few retries: a client waiting on a dead broker should get its 503 in seconds, not minutes.
    const kafka = createKafka(brokers, `${topology.applicationId}-serve`, logger, { retries: 2 });
    await withAdmin(kafka, (admin) => requireTopics(admin, topology.topics(partitions).filter((t) => t.name === topics.transferRequest || t.name === topics.balance)));
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (t) => t.request_id, partitions });
    const view = await TopicView.start<string, Balance>(kafka, topics.balance, topicSerdes(topology, topics.balance), { keepCurrent: newerVersion, groupPrefix: `${topology.applicationId}-serve-view`, logger });
    const server = createTransferServer({
      publish: async (t) => {
        try {
          await producer.sendOne({ value: t });
        } catch (err) {
          // Not acknowledged: perhaps recorded, perhaps not. A retry with the same request_id is safe (deduped).
          throw new BrokerUnavailableError(err);
        }
      },
      getBalance: (account) => view.get(account),
      isReady: () => view.ready,
      logger,
    });
    const at = await listen(server, args.http);
    process.stderr.write(`transfer API on http://${at.host}:${at.port} (brokers ${brokers.join(',')})\n`);
    onShutdown(async () => {
      await new Promise((r) => server.close(r));
      await Promise.all([producer.close(), view.close()]);
    });
  },
});

const dev = defineCliCommand({
  command: 'dev',
  describe: 'the whole wallet in one process: the transfer API and every task, on an in-memory log (no broker)',
  builder: (y) =>
    y
      .option('http', { type: 'string', default: DEFAULT_HTTP, describe: 'listen address (env HTTP_ADDR)' })
      .option('state-dir', { type: 'string', default: './data/dev', describe: 'task state (RocksDB); emptied at start, as the in-memory log is' }),
  handler: async (args, { topology, partitions, onShutdown }) => {
    const topics = walletTopicsOf(topology);
    // The log lives in memory and starts empty, so state from an earlier run describes a history that is gone.
    rmSync(`${args.stateDir}/${topology.applicationId}`, { recursive: true, force: true });
    // Dev mode runs for hours: consumed records of the internal topic are released, changelogs compacted.
    const driver = await TopologyTestDriver.create(topology, { partitions, stateDir: args.stateDir, onReport: print, logger: createLogger('topology-dev', 'warn'), retain: 'unconsumed' });
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
    onShutdown(async () => {
      await new Promise((r) => server.close(r));
      await driver.close();
    });
  },
});

/** Transfer requests produced from JSON lines get the HTTP API's rules (UUIDs, amounts >= 0.01, from != to). */
function transferFromJson(json: unknown): TransferRequest {
  const result = validateTransfer(json);
  if (!result.ok) {
    const code = result.error.code ?? 'invalid_json';
    throw new StreamsError(`${code}: ${result.error.message}`, { code });
  }
  return result.transfer;
}

export const cli: CliPlugin = {
  commands: [serve, dev],
  produceValue: (topic, topology) => (topic === walletTopicsOf(topology).transferRequest ? transferFromJson : undefined),
};
