import yargs, { Argv, Options } from 'yargs';
import { Parser } from 'yargs/helpers';
import { StreamsError } from '../core/errors/streams-error';
import { createKafka, parseBrokers } from '../kafka/kafka-connection';
import { createTopics, replicationWarning, withAdmin } from '../kafka/topic-admin';
import { createLogger } from '../core/logger';
import { TopologyModule, loadTopologyModule } from './load-topology';
import { configureTopology } from './configure-topology';
import { TaskSupervisor, describe as describeError } from './run-command';
import { GroupSupervisor } from './group-run';
import { onSignals } from './signals';
import { StreamsMetrics } from '../runtime/metrics';
import { DEFAULT_BATCH_LIMITS } from '../runtime/task-loop';
import { serveMetrics } from './serve-metrics';
import { registerTopicCommands } from './topic-commands';
import { CliCommand, CliContext } from './plugin';
import { brokersOption, closeOption, schemaRegistryOption, topologyOption } from './options';
import { registerSchemas } from '../kafka/schema-registry-setup';
import { parseSchemaRegistryUrl, schemaRegistry } from '../serde/schema-registry';
import { envName, optionsFromEnv } from './env-options';
import { restoreProgress } from './restore-progress';

const BUILT_IN = new Set(['describe', 'topics', 'run', 'produce', 'consume', 'help', 'completion']);

/**
 * The topology module named on the command line, loaded once before the commands are declared (its `cli` export
 * adds commands). A module that fails to load is reported by the first command that needs it, so `--help` and the
 * built-in commands' usage errors still work.
 */
function preload(argv: string[]): { load: () => TopologyModule; loaded?: TopologyModule; error?: unknown; topologyOptions: Record<string, Options> } {
  const file = (Parser(argv, { string: ['topology'] }).topology as string | undefined) ?? process.env[envName('topology')];
  let topologyOptions: Record<string, Options> = {};
  try {
    const module = loadTopologyModule(file);
    // Declared even when they cannot build the topology: the error is then about their value, not an unknown option.
    topologyOptions = module.cli.topologyOptions ?? {};
    const loaded = configureTopology(module, argv);
    return { loaded, load: () => loaded, topologyOptions };
  } catch (error) {
    return {
      error,
      topologyOptions,
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
      const common = schemaRegistryOption(closeOption(brokersOption(topologyOption(y))));
      return command.builder ? command.builder(common) : common;
    },
    async (args) => {
      const ctx: CliContext = {
        topology: module.topology,
        partitions: (args.partitions as number | undefined) ?? module.topology.defaultPartitions,
        brokers: parseBrokers(args.brokers as string | undefined),
        schemaRegistry: parseSchemaRegistryUrl(args.schemaRegistry as string | undefined),
        onShutdown: (stop) => onSignals(stop, { name, closeTimeoutMs: args.closeTimeoutMs as number }),
      };
      await command.handler(args, ctx);
    },
  );
}

const EPILOGUE = [
  'Every option can also be set from the environment, as listed with it: TOPOLOGY_ and its name in capitals, dashes',
  'as underscores (--state-dir: TOPOLOGY_STATE_DIR=/var/lib/wallet). The command line wins over the environment,',
  'which wins over the default. KAFKA_BROKERS still works for --brokers, SCHEMA_REGISTRY_URL for --schema-registry.',
].join('\n');

export function buildCli(argv: string[]) {
  const { load, loaded, error: loadError, topologyOptions } = preload(argv);
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
        schemaRegistryOption(brokersOption(topologyOption(y)))
          .positional('action', { choices: ['create'] as const, describe: 'create: create missing topics (idempotent); with a schema registry, first register the value schemas (subject <topic>-value, compatibility BACKWARD)' })
          .option('replication-factor', { type: 'number', default: 1 })
          .example('$0 topics create', 'every topic of the topology, with its partitions and cleanup policy')
          .example('$0 topics create --brokers kafka-1:9092 --replication-factor 3', 'on a cluster')
          .example('$0 topics create --schema-registry http://127.0.0.1:8081/apis/ccompat/v7', 'and register the Avro schemas (an incompatible change is refused, with the registry\'s reason)'),
      async (args) => {
        const topology = loadTopology();
        const partitions = args.partitions ?? topology.defaultPartitions;
        const registryUrl = parseSchemaRegistryUrl(args.schemaRegistry);
        if (registryUrl) {
          // Schemas first: a change the registry refuses leaves the cluster untouched.
          for (const r of await registerSchemas(topology, schemaRegistry(registryUrl))) {
            process.stdout.write(`${r.registered ? 'registered' : 'schema  '} ${r.subject} (schema id ${r.id})\n`);
          }
        }
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-admin`);
        const { created, existing, brokerCount } = await withAdmin(kafka, async (admin) => ({
          ...(await createTopics(admin, topology.topics(partitions), args.replicationFactor)),
          brokerCount: (await admin.describeCluster()).brokers.length,
        }));
        const warning = replicationWarning(brokerCount, args.replicationFactor);
        if (warning) process.stderr.write(`${warning}\n`);
        for (const t of created) process.stdout.write(`created ${t}\n`);
        for (const t of existing) process.stdout.write(`exists  ${t}\n`);
      },
    )
    .command(
      'run',
      'run tasks of the topology against Kafka',
      (y) =>
        schemaRegistryOption(closeOption(brokersOption(topologyOption(y))))
          .option('task', { type: 'string', array: true, describe: 'task id, e.g. payment-0 (repeatable; in the environment, separated by spaces or commas)' })
          .option('all', { type: 'boolean', default: false, describe: 'run every task of the topology in this process' })
          .option('standbys', { type: 'number', default: 0, describe: 'group-managed mode: warm copies of each task kept on other instances (they follow its changelogs; failover then restores only the tail)' })
          .option('instance-id', { type: 'string', describe: 'group-managed mode: this process\'s name in the group\'s assignments (default: random)' })
          .option('state-dir', { type: 'string', default: './data', describe: 'where task state (RocksDB) lives' })
          .option('max-batch-size', { type: 'number', default: DEFAULT_BATCH_LIMITS.maxRecords, describe: 'most records per transaction (a task that is behind fills batches up to this)' })
          .option('max-batch-bytes', { type: 'number', default: 1024 * 1024, describe: 'most key + value bytes per transaction' })
          .option('commit-interval-ms', { type: 'number', default: 100, describe: 'longest wait for a first record before an idle task looks again' })
          .option('rebuild-state', { type: 'boolean', default: false, describe: 'when a changelog lost what a task\'s local state holds (deleted or recreated), wipe the store and rebuild it from what the changelog holds now; without it such a task refuses to start' })
          .option('reset-offsets', { choices: ['to-checkpoint', 'earliest'] as const, describe: 'when a task\'s committed offsets are missing or behind its checkpoint (expired, reset): resume at the checkpoint, or reprocess from the earliest offset; without it such a task refuses to start' })
          .option('transaction-timeout-ms', { type: 'number', default: 60_000, describe: 'how long a task may stall mid-transaction before the broker aborts it (the task then restarts from its last commit); at most the broker\'s transaction.max.timeout.ms' })
          .option('purge-internal-topics', { type: 'boolean', default: false, describe: 'delete records of internal topics (written and read by the topology, kept with retention.ms=-1) once committed past, every 30 s, as Kafka Streams does for repartition topics; off: the wallet\'s wallet.payment is its ledger' })
          .option('quiet', { type: 'boolean', default: false, describe: 'do not print the report lines of the topology\'s sinks' })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9464' })
          .example('$0 run --state-dir /var/lib/wallet', 'join the application\'s group: the tasks spread over every instance started so, and move when one dies')
          .example('$0 run --standbys 1', 'the same, with a warm copy of each task on another instance')
          .example('$0 run --task payment-0', 'one task (one process per task, or several --task)')
          .example('$0 run --all --state-dir /var/lib/wallet --metrics 127.0.0.1:9464', 'every task in this process, with metrics')
          .example('TOPOLOGY_TASK=accountant-1 TOPOLOGY_STATE_DIR=/data $0 run', 'the same options from the environment')
          .example('SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7 $0 run --all', 'Avro values in the Confluent wire format (schemas registered by topics create)')
          .check((a) => {
            const fixed = a.all || (a.task !== undefined && a.task.length > 0);
            if (a.all && a.task && a.task.length) throw new Error('give --task <id> or --all, not both');
            if (!Number.isInteger(a.standbys) || a.standbys < 0) throw new Error(`--standbys must be a whole number >= 0, got ${a.standbys}`);
            if (fixed && a.standbys > 0) throw new Error('--standbys needs group-managed mode (neither --task nor --all): static tasks have no other instance to keep copies on');
            return true;
          }),
      async (args) => {
        const topology = loadTopology();
        const partitions = args.partitions ?? topology.defaultPartitions;
        const metrics = new StreamsMetrics(true);
        const common = {
          topology,
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
          transactionTimeoutMs: args.transactionTimeoutMs,
          purgeInternalTopics: args.purgeInternalTopics,
          schemaRegistry: parseSchemaRegistryUrl(args.schemaRegistry),
          metrics,
          restoreListener: restoreProgress(topology, { write: (line) => process.stderr.write(`${line}\n`) }),
        };
        const metricsServer = args.metrics ? await serveMetrics(metrics, args.metrics) : undefined;
        const closeMetrics: Record<string, () => Promise<void>> = metricsServer ? { 'metrics server': async () => void metricsServer.close() } : {};
        if (!args.all && !(args.task && args.task.length)) {
          // Group-managed: the application's consumer group decides which tasks this process runs.
          const group = new GroupSupervisor({ ...common, standbys: args.standbys, instanceId: args.instanceId });
          metrics.trackStandbys(() => group.standbyLag());
          onSignals({ 'tasks and group membership': () => group.stop(), ...closeMetrics }, { closeTimeoutMs: args.closeTimeoutMs });
          await group.run();
          return;
        }
        const taskIds = args.all ? topology.tasks(partitions).map((t) => t.id) : args.task!.map((t) => topology.task(t, partitions).id);
        const supervisor = new TaskSupervisor({ ...common, taskIds });
        onSignals({ ...supervisor.closers(), ...closeMetrics }, { closeTimeoutMs: args.closeTimeoutMs });
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
  // The topology module's own options (e.g. --overdraft-limit): every command takes them; preload already read them.
  for (const [name, opt] of Object.entries(topologyOptions)) cli.option(name, { ...opt, global: true });
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
