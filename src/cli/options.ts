import { Argv } from 'yargs';

/** `--topology` and `--partitions`: every command that works on a topology takes them. */
export const topologyOption = <T>(y: Argv<T>) =>
  y
    .option('topology', { type: 'string', defaultDescription: '"topology" in package.json', describe: 'topology module (TypeScript or JavaScript)' })
    .option('partitions', { type: 'number', describe: 'partitions of topics the topology does not size itself (default: the topology\'s)' });

/** `--brokers`: every command that talks to Kafka takes it. */
export const brokersOption = <T>(y: Argv<T>) => y.option('brokers', { type: 'string', describe: 'Kafka bootstrap servers (env KAFKA_BROKERS, default localhost:9092)' });
