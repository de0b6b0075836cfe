import { Admin, ConfigResourceTypes, Kafka } from './kafkajs';
import { TopicSpec } from '../dsl/topology';
import { StreamsError } from '../core/errors/streams-error';

export interface TopicCheck {
  missing: TopicSpec[];
  misPartitioned: Array<{ spec: TopicSpec; actual: number }>;
  /** Topics the topology needs compacted (changelogs, tables) whose `cleanup.policy` is not. */
  notCompacted: Array<{ spec: TopicSpec; actual: string }>;
  ok: TopicSpec[];
}

/** Runs `fn` with a connected admin client, disconnecting it afterwards. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Compares what the topology needs with what the cluster has. */
export async function inspectTopics(admin: Admin, specs: TopicSpec[]): Promise<TopicCheck> {
  const existing = new Set(await admin.listTopics());
  const present = specs.filter((s) => existing.has(s.name));
  const metadata = present.length ? await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) }) : { topics: [] };
  const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const policies = await cleanupPolicies(admin, present.filter((s) => s.cleanupPolicy === 'compact').map((s) => s.name));
  const check: TopicCheck = { missing: [], misPartitioned: [], notCompacted: [], ok: [] };
  for (const spec of specs) {
    const actual = counts.get(spec.name);
    const policy = policies.get(spec.name);
    if (actual === undefined) check.missing.push(spec);
    else if (actual !== spec.partitions) check.misPartitioned.push({ spec, actual });
    else if (policy !== undefined && !policy.split(',').includes('compact')) check.notCompacted.push({ spec, actual: policy });
    else check.ok.push(spec);
  }
  return check;
}

/** The `cleanup.policy` of existing topics. */
async function cleanupPolicies(admin: Admin, topics: string[]): Promise<Map<string, string>> {
  if (topics.length === 0) return new Map();
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
  });
  return new Map(described.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? 'delete']));
}

export function describeProblems(check: TopicCheck): string[] {
  return [
    ...check.missing.map((s) => `topic ${s.name} is missing (needs ${s.partitions} partitions)`),
    ...check.misPartitioned.map(({ spec, actual }) => `topic ${spec.name} has ${actual} partitions, the topology needs ${spec.partitions}`),
    ...check.notCompacted.map(
      ({ spec, actual }) =>
        `topic ${spec.name} has cleanup.policy=${actual}, the topology needs it compacted (${spec.roles.includes('changelog') ? 'a changelog' : 'a table'}: ` +
        `with delete, keys idle for the retention period vanish); fix it with: kafka-configs.sh --bootstrap-server <brokers> --alter --entity-type topics --entity-name ${spec.name} --add-config cleanup.policy=compact`,
    ),
  ];
}

/** Refuses to run against a cluster whose topics do not match the topology (records would land in wrong tasks). */
export async function requireTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  const problems = describeProblems(await inspectTopics(admin, specs));
  if (problems.length > 0) {
    throw new StreamsError(`the cluster does not match the topology:\n  ${problems.join('\n  ')}\nrun \`topology topics create\` first`, { code: 'TOPICS_MISMATCH' });
  }
}

/**
 * A warning for topics created with one replica on a cluster of several brokers: one broker lost then loses records
 * of every partition it led (money, for the wallet). Undefined when there is nothing to warn about.
 */
export function replicationWarning(brokerCount: number, replicationFactor: number): string | undefined {
  if (brokerCount <= 1 || replicationFactor > 1) return undefined;
  return `warning: topics are created with replication factor ${replicationFactor} on a cluster of ${brokerCount} brokers: losing one broker loses the records of every partition it holds; use --replication-factor ${Math.min(3, brokerCount)} (and min.insync.replicas ${Math.min(2, brokerCount)})`;
}

/**
 * Creates every missing topic with its partition count and cleanup policy (changelogs compacted). Idempotent; an
 * existing topic with another partition count is an error, since repartitioning would move keys between tasks.
 */
export async function createTopics(admin: Admin, specs: TopicSpec[], replicationFactor = 1): Promise<{ created: string[]; existing: string[] }> {
  const check = await inspectTopics(admin, specs);
  if (check.misPartitioned.length > 0 || check.notCompacted.length > 0) {
    throw new StreamsError(describeProblems({ ...check, missing: [] }).join('\n'), { code: 'TOPICS_MISMATCH' });
  }
  if (check.missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: check.missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor,
          configEntries: [{ name: 'cleanup.policy', value: s.cleanupPolicy }, ...(s.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(s.retentionMs) }])],
        })),
      });
    } catch (err) {
      // A concurrent creator is fine as long as the result matches.
      const again = await inspectTopics(admin, specs);
      if (again.missing.length > 0 || again.misPartitioned.length > 0 || again.notCompacted.length > 0) throw err;
    }
  }
  return { created: check.missing.map((s) => s.name), existing: check.ok.map((s) => s.name) };
}
