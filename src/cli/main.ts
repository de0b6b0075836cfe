import yargs, { Argv } from 'yargs';
import { Parser } from 'yargs/helpers';
import { StreamsError } from '../core/errors/streams-error';
import { createKafka, parseBrokers } from '../kafka/kafka-connection';
import { createTopics, withAdmin } from '../kafka/topic-admin';
import { createLogger } from '../core/logger';
import { TopologyModule, loadTopologyModule } from './load-topology';
import { TaskSupervisor, describe as describeError } from './run-command';
import { onSignals } from './signals';
import { StreamsMetrics } from '../runtime/metrics';
import { serveMetrics } from './serve-metrics';
import { registerTopicCommands } from './topic-commands';
import { CliCommand, CliContext } from './plugin';
import { brokersOption, topologyOption } from './options';

const BUILT_IN = new Set(['describe', 'topics', 'run', 'produce', 'consume', 'help', 'completion']);

/**
 * The topology module named on the command line, loaded once before the commands are declared (its `cli` export
 * adds commands). A module that fails to load is reported by the first command that needs it, so `--help` and the
 * built-in commands' usage errors still work.
 */
function preload(argv: string[]): { load: () => TopologyModule; loaded?: TopologyModule; error?: unknown } {
  const file = Parser(argv, { string: ['topology'] }).topology as string | undefined;
  try {
    const loaded = loadTopologyModule(file);
    return { loaded, load: () => loaded };
  } catch (error) {
    return {
      error,
      load: () => {
        throw error;
      },
    };
  }
}

const commandName = (command: CliCommand<any>) => command.command.trim().split(/\s+/, 1)[0];

function registerPluginCommand(cli: Argv, command: CliCommand<any>, module: TopologyModule): void {
  const name = commandName(command);
  if (BUILT_IN.has(name)) {
    throw new StreamsError(`${module.file}: its cli command '${name}' clashes with a built-in command`, { code: 'TOPOLOGY_LOAD_FAILED' });
  }
  cli.command(
    command.command,
    command.describe,
    (y) => {
      const common = brokersOption(topologyOption(y));
      return command.builder ? command.builder(common) : common;
    },
    async (args) => {
      const ctx: CliContext = {
        topology: module.topology,
        partitions: (args.partitions as number | undefined) ?? module.topology.defaultPartitions,
        brokers: parseBrokers(args.brokers as string | undefined),
        onShutdown: onSignals,
      };
      await command.handler(args, ctx);
    },
  );
}

export function buildCli(argv: string[]) {
  const { load, loaded, error: loadError } = preload(argv);
  const loadTopology = () => load().topology;
  const pluginCommands = loaded?.cli.commands ?? [];
  const commands = new Set(['describe', 'topics', 'run', 'produce', 'consume', ...pluginCommands.map(commandName)]);
  const cli = yargs(argv)
    .scriptName('topology')
    .usage('$0 <command> [options]')
    .command(
      'describe',
      'print the sub-topologies, topics and tasks',
      (y) => topologyOption(y).option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
      (args) => {
        const topology = loadTopology();
        const partitions = args.partitions ?? topology.defaultPartitions;
        process.stdout.write(args.format === 'json' ? `${JSON.stringify(topology.toJSON(partitions), null, 2)}\n` : `${topology.describe(partitions)}\n`);
      },
    )
    .command('topics <action>', 'manage the topics the topology needs', (y) =>
      brokersOption(topologyOption(y))
        .positional('action', { choices: ['create'] as const, describe: 'create: create missing topics (idempotent)' })
        .option('replication-factor', { type: 'number', default: 1 }),
      async (args) => {
        const topology = loadTopology();
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
          .option('max-batch-size', { type: 'number', default: 5000, describe: 'most records per transaction (a task that is behind fills batches up to this)' })
          .option('max-batch-bytes', { type: 'number', default: 1024 * 1024, describe: 'most key + value bytes per transaction' })
          .option('commit-interval-ms', { type: 'number', default: 100, describe: 'longest wait for a first record before an idle task looks again' })
          .option('reset-offsets', { choices: ['to-checkpoint', 'earliest'] as const, describe: 'when a task\'s committed offsets are missing or behind its checkpoint (expired, reset): resume at the checkpoint, or reprocess from the earliest offset; without it such a task refuses to start' })
          .option('quiet', { type: 'boolean', default: false, describe: 'do not print the report lines of the topology\'s sinks' })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464' })
          .check((a) => {
            if (!a.all && !(a.task && a.task.length)) throw new Error('give --task <id> or --all');
            return true;
          }),
      async (args) => {
        const topology = loadTopology();
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
          maxBatchBytes: args.maxBatchBytes,
          reportLines: !args.quiet,
          resetOffsets: args.resetOffsets,
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
      const first = Parser(argv)._[0];
      const unknown = first !== undefined && !commands.has(String(first));
      // An unknown command may be one the topology module would have added, had it loaded.
      const because = loadError ? `\n(the topology module did not load: ${describeError(loadError)})` : '';
      process.stderr.write(`error: ${unknown ? `unknown command '${first}' (commands: ${[...commands].join(', ')})` : msg ?? err?.message}${because}\n(see topology --help)\n`);
      process.exit(2);
    })
    .help();
  registerTopicCommands(cli, load);
  for (const command of pluginCommands) registerPluginCommand(cli as unknown as Argv, command, loaded!);
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
