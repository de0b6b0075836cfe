import { createReadStream } from 'node:fs';
import { Argv } from 'yargs';
import { createKafka, parseBrokers } from '../kafka/kafka-connection';
import { TopicEncoder } from '../kafka/topic-producer';
import { requireTopics, withAdmin } from '../kafka/topic-admin';
import { toKafkaMessage } from '../kafka/kafka-records';
import { allPartitionsAssigner } from '../kafka/task-assigner';
import { jsonCodec } from './json-codec';
import { TopologyModule } from './load-topology';
import { produceLines } from './produce-lines';
import { onSignals } from './signals';
import { brokersOption, closeOption, schemaRegistryOption, topologyOption } from './options';
import { serdeUsesSchemaRegistry } from '../kafka/schema-registry-setup';
import { parseSchemaRegistryUrl, schemaRegistry } from '../serde/schema-registry';

/** The registry client of `--schema-registry` / SCHEMA_REGISTRY_URL, or undefined. */
const registryOf = (value: string | undefined) => {
  const url = parseSchemaRegistryUrl(value);
  return url ? schemaRegistry(url) : undefined;
};

const print = (line: string) => process.stdout.write(`${line}\n`);

/** `produce` and `consume`: JSON lines in and out of any topic of the topology, through its serdes. */
export function registerTopicCommands<T>(cli: Argv<T>, load: () => TopologyModule) {
  return cli
    .command(
      'produce',
      'validate, encode and produce JSON lines (stdin or --file) to a topic',
      (y) =>
        schemaRegistryOption(brokersOption(topologyOption(y)))
          .option('topic', { type: 'string', demandOption: true })
          .option('file', { type: 'string', describe: 'JSON-lines file (default: stdin)' })
          .option('key-field', { type: 'string', default: 'request_id', describe: 'field of each value used as the record key' })
          .example('$0 produce --topic wallet.transfer_request < transfers.jsonl', 'one JSON value per line; bad lines are reported, the rest sent')
          .example(`echo '{"request_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","from":"John","to":"Carol","amount":"99"}' | $0 produce --topic wallet.transfer_request`, 'one transfer'),
      async (args) => {
        const { topology, cli } = load();
        const partitions = args.partitions ?? topology.defaultPartitions;
        const codec = jsonCodec(topology, args.topic);
        const encoder = new TopicEncoder<unknown, unknown>(topology, args.topic, undefined, partitions);
        // The topology module may hold a topic's values to its own rules (beyond what the schema says).
        const fromJson = cli.produceValue?.(args.topic, topology);
        // With a registry: the value schema's id under <topic>-value, looked up once, then the Confluent wire format.
        await serdeUsesSchemaRegistry(codec.serdes.value, registryOf(args.schemaRegistry), [args.topic]);
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-produce`);
        await withAdmin(kafka, (admin) => requireTopics(admin, topology.topics(partitions).filter((t) => t.name === args.topic)));
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await producer.connect();
        try {
          const summary = await produceLines({
            input: args.file ? createReadStream(args.file) : process.stdin,
            codec,
            encoder,
            keyField: args.keyField,
            fromJson,
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
        schemaRegistryOption(closeOption(brokersOption(topologyOption(y))))
          .option('topic', { type: 'string', demandOption: true })
          .option('from-beginning', { type: 'boolean', default: false })
          .option('max-messages', { type: 'number', describe: 'stop after this many records' })
          .option('idle-timeout-ms', { type: 'number', describe: 'stop when nothing arrived for this long' })
          .example('$0 consume --topic wallet.balance --from-beginning', 'every balance so far, then new ones as they come')
          .example('$0 consume --topic wallet.payment --from-beginning --idle-timeout-ms 2000 > legs.jsonl', 'a dump: stop when the topic is quiet'),
      async (args) => {
        const { topology } = load();
        const codec = jsonCodec(topology, args.topic);
        // Values in the Confluent wire format are read through the registry (their writer schema fetched once per id).
        await serdeUsesSchemaRegistry(codec.serdes.value, registryOf(args.schemaRegistry), []);
        const kafka = createKafka(parseBrokers(args.brokers), `${topology.applicationId}-consume`);
        const consumer = kafka.consumer({ groupId: `${topology.applicationId}-consume-${process.pid}-${Date.now()}`, partitionAssigners: [allPartitionsAssigner()], readUncommitted: false, maxWaitTimeInMs: 100 });
        await consumer.connect();
        await consumer.subscribe({ topics: [args.topic], fromBeginning: args.fromBeginning });
        let seen = 0;
        let idle: NodeJS.Timeout | undefined;
        let stop!: () => void;
        const done = new Promise<void>((resolve) => {
          stop = () => resolve();
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
        const closed = done.then(async () => {
          clearTimeout(idle);
          await consumer.disconnect();
        });
        onSignals(
          async () => {
            stop();
            await closed;
          },
          { name: 'the consumer', closeTimeoutMs: args.closeTimeoutMs },
        );
        await closed;
      },
    );
}
