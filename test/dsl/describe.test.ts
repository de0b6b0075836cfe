import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineTopology, Topology, TopicSpec } from '../../src/dsl';
import { Serdes } from '../../src/serde';
import { buildWallet, wallet } from '../../topology/wallet/topology';

/**
 * The text of `describe()` (Kafka Streams' TopologyDescription format, byte for byte), of `describeDetail()` (the same
 * plus what only we know), of `toMermaid()`, and the facts of `toJSON()`, for the wallet and a small topology of ours.
 */

const S = Serdes.string();
const strings = { key: S, value: S };

interface JsonNode {
  name: string;
  kind: string;
  topic?: string;
  stores: string[];
  successors: string[];
  predecessors: string[];
}
interface JsonTopology {
  applicationId: string;
  subTopologies: Array<{ name: string; nodes: JsonNode[]; stores: Array<{ name: string; changelogTopic: string }> }>;
  topics: TopicSpec[];
  tasks: string[];
}

const json = (t: Topology, partitions?: number) => JSON.parse(JSON.stringify(partitions === undefined ? t.toJSON() : t.toJSON(partitions))) as JsonTopology;
const lines = (text: string) => text.split('\n');
/** The last line of a text that ends with a newline. */
const lastLine = (text: string) => lines(text.trimEnd()).at(-1);
/** The described line of a topic: `<name>  partitions=<n>  cleanup.policy=<p>  (<roles>)`. */
const topicLine = (text: string, topic: string) => lines(text).find((l) => l.trim().startsWith(`${topic} `));

/**
 * Reads a Kafka Streams description the way the tools that draw it do (line by line: `Sub-topology: N`, a
 * `Source:`/`Processor:`/`Sink:` line opens a node, `-->` lists its successors), into sub-topology → node → facts.
 */
function parseKafkaDescription(text: string) {
  type Parsed = { kind: string; topics?: string; stores?: string; successors: string[]; predecessors: string[] };
  const subs: Array<Map<string, Parsed>> = [];
  let current: Parsed | undefined;
  for (const line of lines(text)) {
    const sub = /Sub-topology: ([0-9]+)/.exec(line);
    if (sub) {
      assert.equal(Number(sub[1]), subs.length, `sub-topologies numbered in order: ${line}`);
      subs.push(new Map());
      current = undefined;
      continue;
    }
    const node = /(Source|Processor|Sink): (\S+) \((topics|topic|stores): (.*)\)$/.exec(line);
    if (node) {
      current = { kind: node[1], [node[3] === 'stores' ? 'stores' : 'topics']: node[4], successors: [], predecessors: [] };
      subs.at(-1)!.set(node[2], current);
      continue;
    }
    const edge = /(-->|<--) (.*)$/.exec(line);
    if (edge && current) {
      const names = edge[2] === 'none' ? [] : edge[2].split(', ');
      if (edge[1] === '-->') current.successors.push(...names);
      else current.predecessors.push(...names);
    }
  }
  return subs;
}

describe('Topology.describe(), describeDetail(), toMermaid() and toJSON()', () => {
  describe('the wallet', () => {
    const text = wallet.describe();
    const detail = wallet.describeDetail();

    it("describe() is Kafka Streams' TopologyDescription text, byte for byte, with our node names", () => {
      assert.equal(
        text,
        [
          'Topologies:',
          '   Sub-topology: 0',
          '    Source: transfer-requests (topics: [wallet.transfer_request])',
          '      --> transfer-dedupe',
          '    Processor: transfer-dedupe (stores: [transfer-dedupe])',
          '      --> split-legs',
          '      <-- transfer-requests',
          '    Processor: split-legs (stores: [])',
          '      --> payments-out',
          '      <-- transfer-dedupe',
          '    Sink: payments-out (topic: wallet.payment)',
          '      <-- split-legs',
          '',
          '  Sub-topology: 1',
          '    Source: payments-in (topics: [wallet.payment])',
          '      --> payment-dedupe',
          '    Processor: payment-dedupe (stores: [payment-dedupe])',
          '      --> balance',
          '      <-- payments-in',
          '    Processor: balance (stores: [balance])',
          '      --> balances-out',
          '      <-- payment-dedupe',
          '    Sink: balances-out (topic: wallet.balance)',
          '      <-- balance',
          '',
          '',
        ].join('\n'),
      );
    });

    it('is what Kafka Streams itself prints for the same wallet (bench/kafka-streams, built with Maven on first use)', function () {
      this.timeout(15 * 60_000); // the first build downloads Kafka Streams and Avro from Maven Central
      const runSh = join(__dirname, '..', '..', 'bench', 'kafka-streams', 'run.sh');
      const java = spawnSync('bash', [runSh, '--describe', 'wallet.'], { encoding: 'utf8', timeout: 15 * 60_000 });
      assert.equal(java.status, 0, `${java.error ?? ''}${java.stderr}`);
      assert.equal(text, java.stdout);
    });

    it('describeDetail() is that text, then the application, the sub-topologies\' names, tasks and node kinds, the changelogs, topics and tasks', () => {
      assert.equal(
        detail,
        text +
          [
            'Application: wallet',
            '',
            'Sub-topology 0 is payment, tasks payment-0 payment-1',
            '  transfer-requests  source',
            '  transfer-dedupe    dedupe   store transfer-dedupe (changelog wallet-transfer-dedupe-changelog)',
            '  split-legs         flatMap',
            '  payments-out       sink',
            '',
            'Sub-topology 1 is accountant, tasks accountant-0 accountant-1',
            '  payments-in     source',
            '  payment-dedupe  dedupe     store payment-dedupe (changelog wallet-payment-dedupe-changelog)',
            '  balance         aggregate  store balance (changelog wallet-balance-changelog)',
            '  balances-out    sink',
            '',
            'Topics:',
            '  wallet.transfer_request           partitions=2  cleanup.policy=delete  (source)',
            '  wallet.payment                    partitions=2  cleanup.policy=delete  retention.ms=-1  (sink, source)',
            '  wallet-transfer-dedupe-changelog  partitions=2  cleanup.policy=compact  (changelog)',
            '  wallet.balance                    partitions=2  cleanup.policy=compact  (sink)',
            '  wallet-payment-dedupe-changelog   partitions=2  cleanup.policy=compact  (changelog)',
            '  wallet-balance-changelog          partitions=2  cleanup.policy=compact  (changelog)',
            '  wallet-dead-letter                partitions=2  cleanup.policy=delete  (dead-letter)',
            '',
            'Tasks: payment-0 payment-1 accountant-0 accountant-1',
            '',
          ].join('\n'),
      );
    });

    it('reads back, as a description parser reads it, into the nodes, topics, stores and edges of toJSON (the detail adds none)', () => {
      const j = json(wallet);
      for (const described of [text, detail]) {
        const subs = parseKafkaDescription(described);
        assert.equal(subs.length, j.subTopologies.length);
        j.subTopologies.forEach((sub, i) => {
          assert.deepEqual([...subs[i].keys()].sort(), sub.nodes.map((n) => n.name).sort());
          for (const n of sub.nodes) {
            const parsed = subs[i].get(n.name)!;
            assert.equal(parsed.kind, n.kind === 'source' ? 'Source' : n.kind === 'sink' ? 'Sink' : 'Processor');
            if (n.kind === 'source') assert.equal(parsed.topics, `[${n.topic}]`);
            else if (n.kind === 'sink') assert.equal(parsed.topics, n.topic);
            else assert.equal(parsed.stores, `[${n.stores.join(', ')}]`);
            assert.deepEqual(parsed.successors.slice().sort(), n.successors.slice().sort());
            assert.deepEqual(parsed.predecessors, n.predecessors);
          }
        });
      }
    });

    it('the detail starts with the application id, after the Kafka Streams part', () => {
      assert.equal(lines(detail)[text.split('\n').length - 1], 'Application: wallet');
    });

    it('lists both sub-topologies in definition order, numbered as Kafka Streams numbers them, with their names', () => {
      assert.deepEqual(
        lines(text).filter((l) => l.includes('Sub-topology:')).map((l) => l.trim()),
        ['Sub-topology: 0', 'Sub-topology: 1'],
      );
      assert.deepEqual(
        lines(detail).filter((l) => l.startsWith('Sub-topology ')),
        ['Sub-topology 0 is payment, tasks payment-0 payment-1', 'Sub-topology 1 is accountant, tasks accountant-0 accountant-1'],
      );
    });

    it('lists every topic with its partitions, cleanup policy, retention when the topology sets it, and roles', () => {
      const expected: Array<[string, string, string]> = [
        ['wallet.transfer_request', 'delete', 'source'],
        ['wallet.payment', 'delete  retention\\.ms=-1', 'sink, source'],
        ['wallet.balance', 'compact', 'sink'],
        ['wallet-transfer-dedupe-changelog', 'compact', 'changelog'],
        ['wallet-payment-dedupe-changelog', 'compact', 'changelog'],
        ['wallet-balance-changelog', 'compact', 'changelog'],
        ['wallet-dead-letter', 'delete', 'dead-letter'],
      ];
      for (const [topic, policy, roles] of expected) {
        const line = topicLine(detail, topic);
        assert.ok(line, `no line for ${topic} in\n${detail}`);
        assert.match(line, new RegExp(`^  ${topic.replace(/\./g, '\\.')} +partitions=2  cleanup\\.policy=${policy}  \\(${roles}\\)$`));
      }
      const section = detail.slice(detail.indexOf('Topics:'), detail.indexOf('Tasks:'));
      assert.equal(section.trim().split('\n').length - 1, expected.length, `exactly the wallet's topics:\n${section}`);
    });

    it('aligns the topic column', () => {
      const section = lines(detail.slice(detail.indexOf('Topics:') + 'Topics:\n'.length, detail.indexOf('\n\nTasks:')));
      const columns = new Set(section.map((l) => l.indexOf('partitions=')));
      assert.equal(columns.size, 1, section.join('\n'));
    });

    it('ends with exactly the four tasks', () => {
      assert.equal(lastLine(detail), 'Tasks: payment-0 payment-1 accountant-0 accountant-1');
      assert.equal(lines(detail).filter((l) => l.startsWith('Tasks:')).length, 1);
    });

    it('follows a partition count of 3, given to buildWallet or to describeDetail()', () => {
      for (const described of [buildWallet({ partitions: 3 }).describeDetail(), wallet.describeDetail(3)]) {
        assert.equal(lastLine(described), 'Tasks: payment-0 payment-1 payment-2 accountant-0 accountant-1 accountant-2');
        assert.match(described, /^Sub-topology 0 is payment, tasks payment-0 payment-1 payment-2$/m);
        for (const topic of ['wallet.transfer_request', 'wallet.payment', 'wallet.balance', 'wallet-transfer-dedupe-changelog', 'wallet-payment-dedupe-changelog', 'wallet-balance-changelog', 'wallet-dead-letter']) {
          assert.match(topicLine(described, topic) ?? '', /partitions=3 /, `${topic} in\n${described}`);
        }
        // Kafka Streams' part does not depend on partitions.
        assert.ok(described.startsWith(text));
      }
      // describeDetail(3) does not change the topology itself
      assert.equal(lastLine(wallet.describeDetail()), 'Tasks: payment-0 payment-1 accountant-0 accountant-1');
    });

    it('toMermaid() draws the sub-topologies as subgraphs, the topics between them and each store at its processor', () => {
      assert.equal(
        wallet.toMermaid(),
        [
          'flowchart TB',
          '    t0(["wallet.transfer_request"])',
          '    t1(["wallet.payment"])',
          '    t2(["wallet.balance"])',
          '    subgraph s0["Sub-topology 0: payment"]',
          '        s0n0["transfer-requests"]',
          '        s0n1["transfer-dedupe (dedupe)"]',
          '        s0n2["split-legs (flatMap)"]',
          '        s0n3["payments-out"]',
          '        s0st0[("transfer-dedupe")]',
          '        s0n0 --> s0n1',
          '        s0n1 --> s0n2',
          '        s0n1 -.- s0st0',
          '        s0n2 --> s0n3',
          '    end',
          '    subgraph s1["Sub-topology 1: accountant"]',
          '        s1n0["payments-in"]',
          '        s1n1["payment-dedupe (dedupe)"]',
          '        s1n2["balance (aggregate)"]',
          '        s1n3["balances-out"]',
          '        s1st0[("payment-dedupe")]',
          '        s1st1[("balance")]',
          '        s1n0 --> s1n1',
          '        s1n1 --> s1n2',
          '        s1n1 -.- s1st0',
          '        s1n2 --> s1n3',
          '        s1n2 -.- s1st1',
          '    end',
          '    t0 --> s0n0',
          '    s0n3 --> t1',
          '    t1 --> s1n0',
          '    s1n3 --> t2',
          '',
        ].join('\n'),
      );
    });

    it("the README shows the wallet's diagram and description as they are", () => {
      const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
      assert.ok(readme.includes(`\`\`\`mermaid\n${wallet.toMermaid()}\`\`\`\n`), 'README has the output of `topology describe --format mermaid` in a ```mermaid block');
      assert.ok(readme.includes(`\`\`\`\n${text}\`\`\`\n`), 'README has the output of `topology describe` in a ``` block');
    });

    it('toJSON has the same sub-topologies, nodes, edges and stores', () => {
      const j = json(wallet);
      assert.equal(j.applicationId, 'wallet');
      assert.deepEqual(
        j.subTopologies.map((s) => s.name),
        ['payment', 'accountant'],
      );
      const [payment, accountant] = j.subTopologies;
      assert.deepEqual(payment.nodes, [
        { name: 'transfer-requests', kind: 'source', topic: 'wallet.transfer_request', stores: [], successors: ['transfer-dedupe'], predecessors: [] },
        { name: 'transfer-dedupe', kind: 'dedupe', stores: ['transfer-dedupe'], successors: ['split-legs'], predecessors: ['transfer-requests'] },
        { name: 'split-legs', kind: 'flatMap', stores: [], successors: ['payments-out'], predecessors: ['transfer-dedupe'] },
        { name: 'payments-out', kind: 'sink', topic: 'wallet.payment', stores: [], successors: [], predecessors: ['split-legs'] },
      ]);
      assert.deepEqual(accountant.nodes, [
        { name: 'payments-in', kind: 'source', topic: 'wallet.payment', stores: [], successors: ['payment-dedupe'], predecessors: [] },
        { name: 'payment-dedupe', kind: 'dedupe', stores: ['payment-dedupe'], successors: ['balance'], predecessors: ['payments-in'] },
        { name: 'balance', kind: 'aggregate', stores: ['balance'], successors: ['balances-out'], predecessors: ['payment-dedupe'] },
        { name: 'balances-out', kind: 'sink', topic: 'wallet.balance', stores: [], successors: [], predecessors: ['balance'] },
      ]);
      assert.deepEqual(payment.stores, [{ name: 'transfer-dedupe', changelogTopic: 'wallet-transfer-dedupe-changelog' }]);
      assert.deepEqual(accountant.stores, [
        { name: 'payment-dedupe', changelogTopic: 'wallet-payment-dedupe-changelog' },
        { name: 'balance', changelogTopic: 'wallet-balance-changelog' },
      ]);
    });

    it('toJSON has the same topics and tasks as describeDetail()', () => {
      for (const partitions of [undefined, 3]) {
        const j = json(wallet, partitions);
        const described = partitions === undefined ? wallet.describeDetail() : wallet.describeDetail(partitions);
        assert.deepEqual(j.tasks.join(' '), lastLine(described)?.replace('Tasks: ', ''));
        for (const spec of j.topics) {
          const retention = spec.retentionMs === undefined ? '' : `  retention.ms=${spec.retentionMs}`;
          assert.equal(topicLine(described, spec.name), `  ${spec.name.padEnd(32)}  partitions=${spec.partitions}  cleanup.policy=${spec.cleanupPolicy}${retention}  (${spec.roles.join(', ')})`);
        }
        const byName = Object.fromEntries(j.topics.map((t) => [t.name, t]));
        for (const changelog of ['wallet-transfer-dedupe-changelog', 'wallet-payment-dedupe-changelog', 'wallet-balance-changelog']) {
          assert.deepEqual(byName[changelog], { name: changelog, partitions: partitions ?? 2, cleanupPolicy: 'compact', roles: ['changelog'] });
        }
        assert.deepEqual(byName['wallet.payment'].roles.slice().sort(), ['sink', 'source']);
        // The internal hop keeps everything: an accountant stopped longer than a retention period must lose no leg.
        assert.equal(byName['wallet.payment'].retentionMs, -1);
        assert.equal(byName['wallet.transfer_request'].retentionMs, undefined);
        assert.equal(byName['wallet-dead-letter'].cleanupPolicy, 'delete');
      }
      assert.deepEqual(json(wallet).tasks, ['payment-0', 'payment-1', 'accountant-0', 'accountant-1']);
    });

    it('toJSON is what topics() and tasks() say', () => {
      const j = json(wallet);
      assert.deepEqual(j.topics, JSON.parse(JSON.stringify(wallet.topics())));
      assert.deepEqual(j.tasks, wallet.tasks().map((t) => t.id));
    });

    it('has no dead-letter topic when every policy is fail', () => {
      const strict = buildWallet({ errors: { deserialization: 'fail', processing: 'fail', production: 'fail' } });
      assert.equal(topicLine(strict.describeDetail(), 'wallet-dead-letter'), undefined);
      assert.ok(strict.describeDetail().includes('\n  wallet-balance-changelog '), 'the other topics are listed');
      assert.ok(!json(strict).topics.some((t) => t.roles.includes('dead-letter')));
    });
  });

  describe('a small user topology with fan-out and a process node', () => {
    const topology = defineTopology('shop', (t) => {
      t.topic('orders', { partitions: 4 });
      t.subTopology('orders', (s) => {
        s.store('order-totals', { key: S, value: Serdes.json<number>() });
        const orders = s.stream<string, string>('orders', { serdes: strings, name: 'orders-in' });
        // Fan-out: `orders-in` has two children, in this order.
        orders.filter((r) => r.value !== '', { name: 'non-empty' }).to('orders.audit', { serdes: strings, name: 'audit-out' });
        orders
          .process<string, number>({ name: 'total', stores: ['order-totals'], process: () => undefined })
          .mapValues((n) => String(n), { name: 'format' })
          .to('orders.totals', { serdes: strings, name: 'totals-out' });
      });
    });
    const text = topology.describe();
    const detail = topology.describeDetail();

    it("orders nodes and successors as Kafka Streams does: the larger downstream first, then by name", () => {
      // orders-in feeds 5 nodes; total 2 more, format and non-empty 1 each; the sinks none. Kafka Streams prints the
      // fan-out's children in that order too, not in attach order (which toJSON keeps).
      assert.equal(
        text,
        [
          'Topologies:',
          '   Sub-topology: 0',
          '    Source: orders-in (topics: [orders])',
          '      --> total, non-empty',
          '    Processor: total (stores: [order-totals])',
          '      --> format',
          '      <-- orders-in',
          '    Processor: format (stores: [])',
          '      --> totals-out',
          '      <-- total',
          '    Processor: non-empty (stores: [])',
          '      --> audit-out',
          '      <-- orders-in',
          '    Sink: audit-out (topic: orders.audit)',
          '      <-- non-empty',
          '    Sink: totals-out (topic: orders.totals)',
          '      <-- format',
          '',
          '',
        ].join('\n'),
      );
    });

    it('the detail lists the nodes in definition order with their kinds, and the store with its changelog', () => {
      assert.ok(
        detail.startsWith(
          text +
            [
              'Application: shop',
              '',
              'Sub-topology 0 is orders, tasks orders-0 orders-1 orders-2 orders-3',
              '  orders-in   source',
              '  non-empty   filter',
              '  audit-out   sink',
              '  total       process    store order-totals (changelog shop-order-totals-changelog)',
              '  format      mapValues',
              '  totals-out  sink',
              '',
              'Topics:',
            ].join('\n'),
        ),
        detail,
      );
    });

    it('draws the fan-out and the store in Mermaid', () => {
      const mermaid = topology.toMermaid();
      for (const line of ['    t0 --> s0n0', '        s0n0 --> s0n1', '        s0n0 --> s0n3', '        s0n3 -.- s0st0', '        s0st0[("order-totals")]', '    s0n2 --> t1', '    s0n5 --> t2']) {
        assert.ok(mermaid.split('\n').includes(line), `${line} in\n${mermaid}`);
      }
    });

    it('quotes Mermaid labels: a node name with quotes or markup cannot break the diagram', () => {
      const odd = defineTopology('odd', (t) =>
        t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'say "hi" <b>#1</b> & end' }).to('out', { serdes: strings, name: 'out' })),
      );
      assert.ok(odd.toMermaid().includes('s0n0["say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; #amp; end"]'), odd.toMermaid());
    });

    it('lists its topics: the declared source count for the source and the changelog, the default for the sinks', () => {
      assert.match(topicLine(detail, 'orders') ?? '', /partitions=4  cleanup\.policy=delete  \(source\)$/);
      assert.match(topicLine(detail, 'shop-order-totals-changelog') ?? '', /partitions=4  cleanup\.policy=compact  \(changelog\)$/);
      assert.match(topicLine(detail, 'orders.audit') ?? '', /partitions=2  cleanup\.policy=delete  \(sink\)$/);
      assert.match(topicLine(detail, 'orders.totals') ?? '', /partitions=2  cleanup\.policy=delete  \(sink\)$/);
      assert.equal(topology.topics().length, 4, 'no dead-letter topic: every policy is fail');
    });

    it('has one task per partition of its source', () => {
      assert.equal(lastLine(detail), 'Tasks: orders-0 orders-1 orders-2 orders-3');
      // The declared count wins over a run's default.
      assert.equal(lastLine(topology.describeDetail(6)), 'Tasks: orders-0 orders-1 orders-2 orders-3');
      assert.match(topicLine(topology.describeDetail(6), 'orders.audit') ?? '', /partitions=6 /);
    });

    it('toJSON has the same nodes and edges', () => {
      const j = json(topology);
      assert.deepEqual(
        j.subTopologies[0].nodes.map((n) => [n.name, n.kind, n.stores, n.successors, n.predecessors]),
        [
          ['orders-in', 'source', [], ['non-empty', 'total'], []],
          ['non-empty', 'filter', [], ['audit-out'], ['orders-in']],
          ['audit-out', 'sink', [], [], ['non-empty']],
          ['total', 'process', ['order-totals'], ['format'], ['orders-in']],
          ['format', 'mapValues', [], ['totals-out'], ['total']],
          ['totals-out', 'sink', [], [], ['format']],
        ],
      );
      assert.deepEqual(j.subTopologies[0].stores, [{ name: 'order-totals', changelogTopic: 'shop-order-totals-changelog' }]);
      assert.deepEqual(j.tasks, ['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    });

    it('lists a declared dead-letter topic with its declared partition count (the count tasks write with)', () => {
      // A task picks the dead-letter partition as source partition % topology.partitionsOf(deadLetterTopic), so topics()
      // must create the topic with that count. Today it lists the default (2): under the TopologyTestDriver a poison
      // record from partition 3 of `in` then fails its task with "topic dlq-dead-letter has no partition 3".
      const withDeadLetters = defineTopology(
        'dlq',
        (t) => {
          t.topic('in', { partitions: 4 }).topic('dlq-dead-letter', { partitions: 4 });
          t.subTopology('sub', (s) => s.stream('in', { serdes: strings, name: 'in' }).to('out', { serdes: strings, name: 'out' }));
        },
        { errors: { processing: 'dead-letter' } },
      );
      assert.equal(withDeadLetters.partitionsOf('dlq-dead-letter'), 4);
      assert.deepEqual(withDeadLetters.topics().find((t) => t.name === 'dlq-dead-letter'), { name: 'dlq-dead-letter', partitions: 4, cleanupPolicy: 'delete', roles: ['dead-letter'] });
    });
  });
  describe('table topics', () => {
    it("a sink with compacted: true is created compacted, also when another sub-topology reads it; others stay delete", () => {
      const S = Serdes.string();
      const t = defineTopology('tables', (b) => {
        b.subTopology('write', (s) => {
          const input = s.stream<string, string>('tables.in', { serdes: { key: S, value: S } });
          input.to('tables.latest', { serdes: { key: S, value: S }, compacted: true });
          input.to('tables.events', { serdes: { key: S, value: S } });
        });
        b.subTopology('read', (s) => s.stream<string, string>('tables.latest', { serdes: { key: S, value: S } }).to('tables.copy', { serdes: { key: S, value: S } }));
      });
      const policy = (name: string) => t.topics().find((x) => x.name === name)?.cleanupPolicy;
      assert.deepEqual(['tables.latest', 'tables.events', 'tables.copy', 'tables.in'].map(policy), ['compact', 'delete', 'delete', 'delete']);
      assert.deepEqual(t.topics().find((x) => x.name === 'tables.latest')?.roles, ['sink', 'source']);
    });
  });
});
