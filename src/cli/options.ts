import { Argv } from 'yargs';
import { DEFAULT_CLOSE_TIMEOUT_MS } from './signals';

/** `--topology` and `--partitions`: every command that works on a topology takes them. */
export const topologyOption = <T>(y: Argv<T>) =>
  y
    .option('topology', { type: 'string', defaultDescription: '"topology" in package.json', describe: 'topology module (TypeScript or JavaScript)' })
    .option('partitions', { type: 'number', describe: 'partitions of topics the topology does not size itself (default: the topology\'s)' });

/** `--brokers`: every command that talks to Kafka takes it. */
export const brokersOption = <T>(y: Argv<T>) => y.option('brokers', { type: 'string', describe: 'Kafka bootstrap servers, comma-separated (default: env KAFKA_BROKERS, else localhost:9092)' });

/** `--schema-registry`: every command that reads or writes topic values (not `dev`, which stays registry-free). */
export const schemaRegistryOption = <T>(y: Argv<T>) =>
  y.option('schema-registry', {
    type: 'string',
    describe: 'Confluent-compatible schema registry URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7: Avro values in the Confluent wire format, schemas under <topic>-value (default: env SCHEMA_REGISTRY_URL, else none: Avro single-object encoding)',
  });

/** `--close-timeout-ms`: every command that keeps running until a signal takes it. */
export const closeOption = <T>(y: Argv<T>) =>
  y.option('close-timeout-ms', {
    type: 'number',
    default: DEFAULT_CLOSE_TIMEOUT_MS,
    describe: 'after SIGINT/SIGTERM, the longest clean close before exiting 1 (a second Ctrl-C exits at once)',
  });
