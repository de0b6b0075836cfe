import yargs, { Argv } from 'yargs';
import { StreamsError } from '../errors/streams-error';
import { createKafka, parseBrokers } from '../kafka/kafka-connection';
import { createTopics, withAdmin } from '../kafka/topic-admin';
import { createLogger } from '../runtime/logger';
import { DEFAULT_TOPOLOGY, loadTopology } from './load-topology';
import { TaskSupervisor, describe as describeError } from './run-command';
import { registerWalletCommands } from './wallet-commands';
import { onSignals } from './signals';
import { StreamsMetrics } from '../runtime/metrics';
import { serveMetrics } from './serve-metrics';

const topologyOption = <T>(y: Argv<T>) =>
  y
    .option('topology', { type: 'string', default: DEFAULT_TOPOLOGY, defaultDescription: 'topology/wallet.ts', describe: 'topology module (TypeScript or JavaScript)' })
    .option('partitions', { type: 'number', describe: 'partitions of topics the topology does not size itself (default: the topology\'s)' });

const brokersOption = <T>(y: Argv<T>) => y.option('brokers', { type: 'string', describe: 'Kafka bootstrap servers (env KAFKA_BROKERS, default localhost:9092)' });

export function buildCli(argv: string[]) {
  const cli = yargs(argv)
    .scriptName('topology')
    .usage('$0 <command> [options]')
    .command(
      'describe',
      'print the sub-topologies, topics and tasks',
      (y) => topologyOption(y).option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
      (args) => {
        const topology = loadTopology(args.topology);
        const partitions = args.partitions ?? topology.defaultPartitions;
        process.stdout.write(args.format === 'json' ? `${JSON.stringify(topology.toJSON(partitions), null, 2)}\n` : `${topology.describe(partitions)}\n`);
      },
    )
    .command('topics <action>', 'manage the topics the topology needs', (y) =>
      brokersOption(topologyOption(y))
        .positional('action', { choices: ['create'] as const, describe: 'create: create missing topics (idempotent)' })
        .option('replication-factor', { type: 'number', default: 1 }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const partitions = args.partitions ?? topology.defaultPartitions;
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-admin`);
        const { created, existing } = await withAdmin(kafka, (admin) => createTopics(admin, topology.topics(partitions), args.replicationFactor));
        for (const t of created) process.stdout.write(`created ${t}\n`);
        for (const t of existing) process.stdout.write(`exists  ${t}\n`);
      },
    )
    .command(
      'run',
      'run tasks of the topology against Kafka',
      (y) =>
        brokersOption(topologyOption(y))
          .option('task', { type: 'string', array: true, describe: 'task id, e.g. payment-0 (repeatable)' })
          .option('all', { type: 'boolean', default: false, describe: 'run every task of the topology in this process' })
          .option('state-dir', { type: 'string', default: './data', describe: 'where task state (RocksDB) lives' })
          .option('max-batch-size', { type: 'number', default: 500, describe: 'most records per transaction' })
          .option('commit-interval-ms', { type: 'number', default: 100, describe: 'longest wait to fill a batch before committing' })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464' })
          .check((a) => {
            if (!a.all && !(a.task && a.task.length)) throw new Error('give --task <id> or --all');
            return true;
          }),
      async (args) => {
        const topology = loadTopology(args.topology);
        const partitions = args.partitions ?? topology.defaultPartitions;
        const taskIds = args.all ? topology.tasks(partitions).map((t) => t.id) : args.task!.map((t) => topology.task(t, partitions).id);
        const metrics = new StreamsMetrics(true);
        const supervisor = new TaskSupervisor({
          topology,
          taskIds,
          partitions,
          brokers: parseBrokers(args.brokers),
          stateDir: args.stateDir,
          logger: createLogger('topology-run'),
          maxBatchSize: args.maxBatchSize,
          commitIntervalMs: args.commitIntervalMs,
          metrics,
        });
        const metricsServer = args.metrics ? await serveMetrics(metrics, args.metrics) : undefined;
        onSignals(async () => {
          await supervisor.stop();
          metricsServer?.close();
        });
        await supervisor.run();
      },
    )
    .demandCommand(1, 'give a command (see --help)')
    .strict()
    .fail((msg, err) => {
      // Usage mistakes (yargs' own YError or a failed .check) exit 2; failures of a command propagate to main().
      if (err && err.name !== 'YError' && !msg) throw err;
      process.stderr.write(`error: ${msg ?? err?.message}\n(see topology --help)\n`);
      process.exit(2);
    })
    .help();
  registerWalletCommands(cli as unknown as Argv);
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli(argv).parseAsync();
  } catch (err) {
    process.stderr.write(`error: ${describeError(err)}\n`);
    if (err instanceof StreamsError && err.cause && process.env.DEBUG) process.stderr.write(`cause: ${String(err.cause)}\n`);
    process.exit(1);
  }
}
