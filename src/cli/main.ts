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
import { DEFAULT_BATCH_LIMITS } from '../runtime/task-loop';
import { serveMetrics } from './serve-metrics';
import { registerTopicCommands } from './topic-commands';
import { CliCommand, CliContext } from './plugin';
import { brokersOption, closeOption, topologyOption } from './options';
import { envName, optionsFromEnv } from './env-options';
import { restoreProgress } from './restore-progress';

const BUILT_IN = new Set(['describe', 'topics', 'run', 'produce', 'consume', 'help', 'completion']);

/**
 * The topology module named on the command line, loaded once before the commands are declared (its `cli` export
 * adds commands). A module that fails to load is reported by the first command that needs it, so `--help` and the
 * built-in commands' usage errors still work.
 */
function preload(argv: string[]): { load: () => TopologyModule; loaded?: TopologyModule; error?: unknown } {
  const file = (Parser(argv, { string: ['topology'] }).topology as string | undefined) ?? process.env[envName('topology')];
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
      const common = closeOption(brokersOption(topologyOption(y)));
      return command.builder ? command.builder(common) : common;
    },
    async (args) => {
      const ctx: CliContext = {
        topology: module.topology,
        partitions: (args.partitions as number | undefined) ?? module.topology.defaultPartitions,
        brokers: parseBrokers(args.brokers as string | undefined),
        onShutdown: (stop) => onSignals(stop, { name, closeTimeoutMs: args.closeTimeoutMs as number }),
      };
      await command.handler(args, ctx);
    },
  );
}

const EPILOGUE = [
  'Every option can also be set from the environment, as listed with it: TOPOLOGY_ and its name in capitals, dashes',
  'as underscores (--state-dir: TOPOLOGY_STATE_DIR=/var/lib/wallet). The command line wins over the environment,',
  'which wins over the default. KAFKA_BROKERS still works for --brokers.',
].join('\n');

export function buildCli(argv: string[]) {
  const { load, loaded, error: loadError } = preload(argv);
  const loadTopology = () => load().topology;
  const pluginCommands = loaded?.cli.commands ?? [];
  const commands = new Set(['describe', 'topics', 'run', 'produce', 'consume', 'completion', ...pluginCommands.map(commandName)]);
  const cli = optionsFromEnv(yargs(argv))
    .scriptName('topology')
    .usage('$0 <command> [options]')
    .command(
      'describe',
      'print the topology: Kafka Streams\' TopologyDescription text, or with partitions, changelogs and tasks',
      (y) =>
        topologyOption(y)
          .option('format', {
            choices: ['text', 'detail', 'json', 'mermaid'] as const,
            default: 'text' as const,
            describe: "text: Kafka Streams' format (kafka-streams-viz reads it); detail: the same, then kinds, topics with partitions and cleanup policy, changelogs and tasks; json: all of it as data; mermaid: a flowchart",
          })
          .example('$0 describe', "Kafka Streams' TopologyDescription text")
          .example('$0 describe --format detail --partitions 4', 'and the topics, changelogs and tasks at 4 partitions')
          .example('$0 describe --format mermaid > topology.mmd', 'a Mermaid flowchart (GitHub renders it in a ```mermaid block)')
          .example('$0 describe --format json --topology shop.ts', 'another topology, as JSON'),
      (args) => {
        const topology = loadTopology();
        const partitions = args.partitions ?? topology.defaultPartitions;
        const text = {
          text: () => topology.describe(),
          detail: () => topology.describeDetail(partitions),
          json: () => `${JSON.stringify(topology.toJSON(partitions), null, 2)}\n`,
          mermaid: () => topology.toMermaid(),
        }[args.format]();
        process.stdout.write(text);
      },
    )
    .command(
      'topics <action>',
      'manage the topics the topology needs',
      (y) =>
        brokersOption(topologyOption(y))
          .positional('action', { choices: ['create'] as const, describe: 'create: create missing topics (idempotent)' })
          .option('replication-factor', { type: 'number', default: 1 })
          .example('$0 topics create', 'every topic of the topology, with its partitions and cleanup policy')
          .example('$0 topics create --brokers kafka-1:9092 --replication-factor 3', 'on a cluster'),
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
        closeOption(brokersOption(topologyOption(y)))
          .option('task', { type: 'string', array: true, describe: 'task id, e.g. payment-0 (repeatable; in the environment, separated by spaces or commas)' })
          .option('all', { type: 'boolean', default: false, describe: 'run every task of the topology in this process' })
          .option('state-dir', { type: 'string', default: './data', describe: 'where task state (RocksDB) lives' })
          .option('max-batch-size', { type: 'number', default: DEFAULT_BATCH_LIMITS.maxRecords, describe: 'most records per transaction (a task that is behind fills batches up to this)' })
          .option('max-batch-bytes', { type: 'number', default: 1024 * 1024, describe: 'most key + value bytes per transaction' })
          .option('commit-interval-ms', { type: 'number', default: 100, describe: 'longest wait for a first record before an idle task looks again' })
          .option('rebuild-state', { type: 'boolean', default: false, describe: 'when a changelog lost what a task\'s local state holds (deleted or recreated), wipe the store and rebuild it from what the changelog holds now; without it such a task refuses to start' })
          .option('reset-offsets', { choices: ['to-checkpoint', 'earliest'] as const, describe: 'when a task\'s committed offsets are missing or behind its checkpoint (expired, reset): resume at the checkpoint, or reprocess from the earliest offset; without it such a task refuses to start' })
          .option('quiet', { type: 'boolean', default: false, describe: 'do not print the report lines of the topology\'s sinks' })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464' })
          .example('$0 run --task payment-0', 'one task (one process per task, or several --task)')
          .example('$0 run --all --state-dir /var/lib/wallet --metrics 127.0.0.1:9464', 'every task in this process, with metrics')
          .example('TOPOLOGY_TASK=accountant-1 TOPOLOGY_STATE_DIR=/data $0 run', 'the same options from the environment')
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
          rebuildState: args.rebuildState,
          commitIntervalMs: args.commitIntervalMs,
          metrics,
          restoreListener: restoreProgress(topology, { write: (line) => process.stderr.write(`${line}\n`) }),
        });
        const metricsServer = args.metrics ? await serveMetrics(metrics, args.metrics) : undefined;
        onSignals(
          {
            ...supervisor.closers(),
            ...(metricsServer ? { 'metrics server': async () => void metricsServer.close() } : {}),
          },
          { closeTimeoutMs: args.closeTimeoutMs },
        );
        await supervisor.run();
      },
    )
    .example('$0 describe --format mermaid', 'draw the topology')
    .example('$0 topics create && $0 run --all', 'create the topics, then run every task on Kafka')
    .example('$0 produce --topic wallet.payment < legs.jsonl', 'JSON lines in, validated and encoded')
    .example('TOPOLOGY_BROKERS=kafka:9092 $0 run --all', 'an option from the environment')
    .example('$0 <command> --help', "a command's options and examples")
    .epilogue(EPILOGUE)
    .wrap(Math.min(120, yargs().terminalWidth() ?? 120))
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
  return cli.completion('completion', 'print a shell completion script (bash, zsh): topology completion >> ~/.bashrc');
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
