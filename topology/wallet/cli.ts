/**
 * The wallet's commands for the `topology` CLI (its `cli` plugin, exported by ./index.ts): the transfer API on Kafka
 * (`serve`) or embedded with every task on an in-memory log (`dev`), the API's rules for
 * `topology produce --topic wallet.transfer_request` (and wallet.deposit_request), and `--overdraft-limit`, which
 * every command takes so that `run`, `topics create`, `serve` and `dev` agree on the wallet's shape.
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
  Topology,
  TopicProducer,
  topicSerdes,
  TopicView,
  withAdmin,
} from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { BrokerUnavailableError, createTransferServer } from './http/transfer-server';
import { validateDeposit, validateTransfer } from './http/transfer-validation';
import { WalletOptions, buildWallet, walletTopicsOf } from './topology';
import { Balance, DepositRequest, TransferRequest, TransferStatus } from './types';

const DEFAULT_HTTP = process.env.HTTP_ADDR ?? '127.0.0.1:8000';
const newerVersion = (current: Balance, incoming: Balance) => current.version > incoming.version;
/** A final status is never replaced by a PENDING read later (the compacted topic keeps the latest anyway). */
const settled = (current: TransferStatus, incoming: TransferStatus) => current.status !== 'PENDING' && incoming.status === 'PENDING';
const print = (line: string) => process.stdout.write(`${line}\n`);

const serve = defineCliCommand({
  command: 'serve',
  describe: 'the transfer API: POST /api/v1/transfers into Kafka, balances from wallet.balance',
  builder: (y) => y.option('http', { type: 'string', default: DEFAULT_HTTP, describe: 'listen address (env HTTP_ADDR)' }),
  handler: async (args, { topology, partitions, brokers, schemaRegistry, onShutdown }) => {
    const topics = walletTopicsOf(topology);
    const logger = createLogger('topology-serve');
    // Few retries: a client waiting on a dead broker should get its 503 in seconds, not minutes.
    const kafka = createKafka(brokers, `${topology.applicationId}-serve`, logger, { retries: 2 });
    const used = new Set([topics.transferRequest, topics.balance, topics.depositRequest, topics.transferStatus]);
    await withAdmin(kafka, (admin) => requireTopics(admin, topology.topics(partitions).filter((t) => used.has(t.name))));
    const producer = await TopicProducer.connect<string, TransferRequest>(kafka, topology, topics.transferRequest, { key: (t) => t.request_id, partitions, schemaRegistry });
    const view = await TopicView.start<string, Balance>(kafka, topics.balance, topicSerdes(topology, topics.balance), { keepCurrent: newerVersion, groupPrefix: `${topology.applicationId}-serve-view`, logger, schemaRegistry });
    const closers: Array<() => Promise<void>> = [() => producer.close(), () => view.close()];
    // Not acknowledged: perhaps recorded, perhaps not. A retry with the same request_id is safe (deduped).
    const unknownOutcome = async (send: () => Promise<unknown>) => {
      try {
        await send();
      } catch (err) {
        throw new BrokerUnavailableError(err);
      }
    };
    let overdraft: Parameters<typeof createTransferServer>[0]['overdraft'];
    let statusesReady = () => true;
    if (topics.depositRequest && topics.transferStatus) {
      const deposits = await TopicProducer.connect<string, DepositRequest>(kafka, topology, topics.depositRequest, { key: (d) => d.request_id, partitions, schemaRegistry });
      const statuses = await TopicView.start<string, TransferStatus>(kafka, topics.transferStatus, topicSerdes(topology, topics.transferStatus), { keepCurrent: settled, groupPrefix: `${topology.applicationId}-serve-status`, logger, schemaRegistry });
      closers.push(() => deposits.close(), () => statuses.close());
      overdraft = { publishDeposit: (d) => unknownOutcome(() => deposits.sendOne({ value: d })), getTransferStatus: (id) => statuses.get(id) };
      statusesReady = () => statuses.ready;
    }
    const server = createTransferServer({
      publish: (t) => unknownOutcome(() => producer.sendOne({ value: t })),
      getBalance: (account) => view.get(account),
      isReady: () => view.ready && statusesReady(),
      overdraft,
      logger,
    });
    const at = await listen(server, args.http);
    process.stderr.write(`transfer API on http://${at.host}:${at.port} (brokers ${brokers.join(',')}${schemaRegistry ? `, schema registry ${schemaRegistry}` : ''})${overdraft ? ', overdraft protection on' : ''}\n`);
    onShutdown(async () => {
      await new Promise((r) => server.close(r));
      await Promise.all(closers.map((close) => close()));
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
    let overdraft: Parameters<typeof createTransferServer>[0]['overdraft'];
    if (topics.depositRequest && topics.transferStatus) {
      const deposits = driver.inputTopic<string, DepositRequest>(topics.depositRequest);
      const statusTopic = driver.outputTopic<string, TransferStatus>(topics.transferStatus);
      const statuses = new Map<string, TransferStatus>();
      overdraft = {
        publishDeposit: async (d) => void (await deposits.pipe(d.request_id, d)),
        getTransferStatus: (id) => {
          for (const r of statusTopic.readNew()) if (!statuses.has(r.key) || !settled(statuses.get(r.key)!, r.value)) statuses.set(r.key, r.value);
          return statuses.get(id);
        },
      };
    }
    const server = createTransferServer({
      publish: async (t) => void (await input.pipe(t.request_id, t)),
      // Fold in only what was committed since the last look, not the whole topic on every GET.
      getBalance: (account) => {
        for (const r of balances.readNew()) latest.set(r.key, r.value);
        return latest.get(account);
      },
      overdraft,
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

const refused = (error: { code?: string; message: string }) => {
  const code = error.code ?? 'invalid_json';
  return new StreamsError(`${code}: ${error.message}`, { code });
};

/** Transfer requests produced from JSON lines get the HTTP API's rules (UUIDs, amounts >= 0.01, from != to). */
function transferFromJson(json: unknown): TransferRequest {
  const result = validateTransfer(json);
  if (!result.ok) throw refused(result.error);
  return result.transfer;
}

/** Deposits produced from JSON lines get the HTTP API's rules too. */
function depositFromJson(json: unknown): DepositRequest {
  const result = validateDeposit(json);
  if (!result.ok) throw refused(result.error);
  return result.deposit;
}

/**
 * The wallet's CLI plugin for a wallet built by `build` (the default wallet, or one under another application id and
 * topic prefix, as the tests' isolated wallet): its commands, its produce rules and `--overdraft-limit`.
 */
export function walletCli(build: (options: WalletOptions) => Topology = buildWallet): CliPlugin {
  return {
    commands: [serve, dev],
    produceValue: (topic, topology) => {
      const topics = walletTopicsOf(topology);
      if (topic === topics.transferRequest) return transferFromJson;
      if (topic === topics.depositRequest) return depositFromJson;
      return undefined;
    },
    topologyOptions: {
      'overdraft-limit': {
        type: 'string',
        describe: 'overdraft protection: a transfer is applied only if the sender\'s balance stays at or above minus this amount (e.g. 0.00); money enters by deposits, and transfers get a status',
      },
    },
    configure: (values) => build({ overdraft: { limit: String(values['overdraft-limit']) } }),
  };
}

export const cli: CliPlugin = walletCli();
