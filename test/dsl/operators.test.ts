import { strict as assert } from 'node:assert';
import { defineTopology, ErrorHandling } from '../../src/dsl';
import { ProcessingError } from '../../src/core/errors/processing-error';
import { partitionForKey } from '../../src/runtime/murmur2';
import { Serdes } from '../../src/serde';
import { TopologyTestDriver } from '../../src/testing';

/** The DSL operators, run end to end through the TopologyTestDriver (in-memory log, real tasks, murmur2). */

const S = Serdes.string();
const N = Serdes.json<number>();
const strings = { key: S, value: S };
const counts = { key: S, value: N };
const PARTITIONS = 2;

const partitionOf = (key: string) => partitionForKey(Buffer.from(key, 'utf8'), PARTITIONS);
/** The first of `<prefix>-0`, `<prefix>-1`, ... that Kafka's partitioner puts in `partition` (or not in it). */
function keyIn(partition: number, prefix: string, same = true): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if ((partitionOf(key) === partition) === same) return key;
  }
}
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const header = (headers: Record<string, Buffer>, name: string) => headers[name]?.toString('utf8');

/**
 * Word count, with a bit of everything:
 *
 *   lines (key: doc id) ─ peek ─ filter ─ mapValues ─ flatMap (one record per word, key still the doc id) ─┬─ A: map (key: word) → words-by-word
 *                                                                                                           ├─ B: aggregate words per doc → doc-lengths
 *                                                                                                           └─ C: process (distinct words per doc, store) → distinct-words
 *   words-by-word (key: word) ─ aggregate count per word → word-counts
 */
function wordCount(trace: string[]) {
  return defineTopology(
    'wc',
    (t) => {
      t.subTopology('split', (s) => {
        s.store('seen-words', counts);
        const words = s
          .stream<string, string>('lines', { serdes: strings, name: 'lines' })
          .peek((r) => trace.push(`peek ${r.key}: ${r.value}`), { name: 'trace-lines' })
          .filter((r) => r.value.trim() !== '', { name: 'non-blank' })
          .mapValues((v) => v.toLowerCase(), { name: 'lowercase' })
          .flatMap(
            (r) =>
              r.value
                .split(/\s+/)
                .filter((w) => w !== '')
                .map((w) => ({ key: r.key, value: w })),
            { name: 'words' },
          );
        words
          .peek((r) => trace.push(`A ${r.value}`), { name: 'branch-a' })
          .map((r) => ({ key: r.value, value: r.key }), { name: 'by-word' })
          .to('words-by-word', { serdes: strings, name: 'words-by-word-out' });
        words
          .peek((r) => trace.push(`B ${r.value}`), { name: 'branch-b' })
          .aggregate({ name: 'doc-lengths', init: () => 0, add: (n: number) => n + 1, serdes: counts })
          .to('doc-lengths', { serdes: counts, name: 'doc-lengths-out' });
        words
          .process<string, string>({
            name: 'distinct',
            stores: ['seen-words'],
            process: async (r, api) => {
              trace.push(`C ${r.value}`);
              const seen = api.store<string, number>('seen-words');
              const key = `${r.key}/${r.value}`;
              const n = (await seen.get(key)) ?? 0;
              seen.put(key, n + 1);
              if (n === 0) api.forward({ key: r.key, value: r.value });
            },
          })
          .to('distinct-words', { serdes: strings, name: 'distinct-out' });
      });
      t.subTopology('count', (s) =>
        s
          .stream<string, string>('words-by-word', { serdes: strings, name: 'words-in' })
          .aggregate({ name: 'word-counts', init: () => 0, add: (n: number) => n + 1, serdes: counts })
          .to('word-counts', { serdes: counts, name: 'word-counts-out' }),
      );
    },
    { partitions: PARTITIONS },
  );
}

interface Click {
  user: string;
  page: string;
}
const clickSerdes = { key: S, value: Serdes.json<Click>() };

/** Clicks keyed by session; `map` re-keys them by user before aggregating the pages each user saw. */
function pagesPerUser() {
  return defineTopology(
    'clicks',
    (t) =>
      t.subTopology('clicks', (s) =>
        s
          .stream<string, Click>('clicks', { serdes: clickSerdes, name: 'clicks-in' })
          .map((r) => ({ key: r.value.user, value: r.value.page }), { name: 'by-user' })
          .aggregate({ name: 'pages-per-user', init: (): string[] => [], add: (pages: string[], r) => [...pages, r.value], serdes: { key: S, value: Serdes.json<string[]>() } })
          .to('user-pages', { serdes: { key: S, value: Serdes.json<string[]>() }, name: 'user-pages-out' }),
      ),
    { partitions: PARTITIONS },
  );
}

/** Clicks keyed by user, counted per page: only right when a page hashes to its users' partition. */
function viewsPerPage(errors?: Partial<ErrorHandling>) {
  return defineTopology(
    'views',
    (t) =>
      t.subTopology('views', (s) =>
        s
          .stream<string, Click>('clicks', { serdes: clickSerdes, name: 'clicks-in' })
          .aggregate({ name: 'views-per-page', key: (r) => r.value.page, init: () => 0, add: (n: number) => n + 1, serdes: counts })
          .to('page-views', { serdes: counts, name: 'page-views-out' }),
      ),
    { partitions: PARTITIONS, errors },
  );
}

describe('DSL operators through the TopologyTestDriver', () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  describe('word count', () => {
    let trace: string[];
    let d: TopologyTestDriver;
    beforeEach(async () => {
      trace = [];
      d = driver = await TopologyTestDriver.create(wordCount(trace));
    });
    const lines = () => d.inputTopic<string, string>('lines');

    it('filter drops blank lines; peek still saw them', async () => {
      await lines().pipe('doc-1', '   ');
      assert.deepEqual(trace, ['peek doc-1:    ']);
      for (const topic of ['words-by-word', 'doc-lengths', 'distinct-words', 'word-counts']) assert.equal(d.outputTopic(topic).size, 0, topic);
    });

    it('peek sees the record before mapValues; mapValues keeps the key; flatMap makes one record per word', async () => {
      await lines().pipe('doc-1', 'The  Cat');
      assert.equal(trace[0], 'peek doc-1: The  Cat');
      const byWord = d.outputTopic<string, string>('words-by-word').readKeyValues();
      assert.deepEqual(sorted(byWord), sorted([
        { key: 'the', value: 'doc-1' },
        { key: 'cat', value: 'doc-1' },
      ]));
    });

    it('map re-keys: words-by-word is partitioned by the word', async () => {
      await lines().pipe('doc-1', 'alpha beta gamma delta epsilon');
      const records = d.outputTopic<string, string>('words-by-word').readAll();
      assert.equal(records.length, 5);
      for (const r of records) assert.equal(r.partition, partitionOf(r.key), r.key);
      assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'the words spread over both partitions');
    });

    it('fan-out: every branch gets every record, in the order the branches were attached', async () => {
      await lines().pipe('doc-1', 'a b');
      // Branches that share no store run batch-wise: each sees the batch in order, branch after branch. (Their outputs
      // keep record order: see 'fan-out into one topic'; branches sharing a store run depth-first: see below.)
      assert.deepEqual(trace, ['peek doc-1: a b', 'A a', 'A b', 'B a', 'B b', 'C a', 'C b']);
    });

    it('aggregate counts per key and emits each new count; the repartitioned count spans documents', async () => {
      await lines().pipe('doc-1', 'the cat and the hat');
      await lines().pipe('doc-2', 'The end');
      await lines().pipe('doc-1', 'THE');

      const docLengths = d.outputTopic<string, number>('doc-lengths');
      assert.deepEqual(docLengths.readAll().filter((r) => r.key === 'doc-1').map((r) => r.value), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(Object.fromEntries(docLengths.readLatest()), { 'doc-1': 6, 'doc-2': 2 });

      const wordCounts = d.outputTopic<string, number>('word-counts');
      assert.deepEqual(Object.fromEntries(wordCounts.readLatest()), { the: 4, cat: 1, and: 1, hat: 1, end: 1 });
      assert.deepEqual(wordCounts.readAll().filter((r) => r.key === 'the').map((r) => r.value), [1, 2, 3, 4]);

      // The committed tables, task by task: each key lives in the task of its partition.
      assert.deepEqual(await d.store<string, number>(`split-${partitionOf('doc-1')}`, 'doc-lengths').then((e) => e.find((x) => x.key === 'doc-1')?.value), 6);
      assert.deepEqual(await d.store<string, number>(`count-${partitionOf('the')}`, 'word-counts').then((e) => e.find((x) => x.key === 'the')?.value), 4);
    });

    it('aggregate reads its own writes within a batch but logs only the last value of a key per commit', async () => {
      await lines().pipe('doc-1', 'a b c d');
      const changelog = d.log.records('wc-doc-lengths-changelog');
      assert.equal(changelog.length, 1);
      assert.equal(changelog[0].partition, partitionOf('doc-1'));
      assert.equal(changelog[0].key?.toString(), 'doc-1');
      assert.equal(changelog[0].value?.toString(), '4');
    });

    it('process uses its declared store and emits with forward', async () => {
      await lines().pipe('doc-1', 'to be or not to be');
      await lines().pipe('doc-1', 'be quick');
      const distinct = d.outputTopic<string, string>('distinct-words').readAll();
      assert.deepEqual(distinct.map((r) => r.value), ['to', 'be', 'or', 'not', 'quick']);
      assert.ok(distinct.every((r) => r.key === 'doc-1' && r.partition === partitionOf('doc-1')));
      const seen = await d.store<string, number>(`split-${partitionOf('doc-1')}`, 'seen-words');
      assert.deepEqual(Object.fromEntries(seen.map((e) => [e.key, e.value])), { 'doc-1/to': 2, 'doc-1/be': 3, 'doc-1/or': 1, 'doc-1/not': 1, 'doc-1/quick': 1 });
    });

    it('state survives a restart of the task (restored from checkpoint + changelog)', async () => {
      const task = `split-${partitionOf('doc-1')}`;
      await lines().pipe('doc-1', 'x y');
      await d.crash(task);
      await d.wipeState(task);
      await d.restart(task);
      await lines().pipe('doc-1', 'x');
      assert.deepEqual(d.outputTopic<string, string>('distinct-words').readAll().map((r) => r.value), ['x', 'y']);
      assert.equal(d.outputTopic<string, number>('doc-lengths').readLatest().get('doc-1'), 3);
    });
  });

  describe('fan-out into one topic', () => {
    it('writes the outputs of each record branch by branch, in attach order', async () => {
      const topology = defineTopology('fan', (t) =>
        t.subTopology('fan', (s) => {
          const input = s.stream<string, string>('in', { serdes: strings, name: 'in' });
          input.mapValues((v) => `first ${v}`, { name: 'first' }).to('out', { serdes: strings, name: 'out-1' });
          input.mapValues((v) => `second ${v}`, { name: 'second' }).to('out', { serdes: strings, name: 'out-2' });
        }),
      );
      const d = (driver = await TopologyTestDriver.create(topology));
      await d.inputTopic<string, string>('in').pipe('k', 'x');
      await d.inputTopic<string, string>('in').pipe('k', 'y');
      const out = d.outputTopic<string, string>('out').readAll();
      assert.deepEqual(out.map((r) => r.value), ['first x', 'second x', 'first y', 'second y']);
      assert.deepEqual(out.map((r) => r.offset), [0, 1, 2, 3]);
    });

    it('merges the branches of a many-record batch back into record order', async () => {
      const topology = defineTopology('fan', (t) =>
        t.subTopology('fan', (s) => {
          const input = s.stream<string, string>('in', { serdes: strings, name: 'in' });
          input.flatMap((r) => [{ key: r.key, value: `a1 ${r.value}` }, { key: r.key, value: `a2 ${r.value}` }], { name: 'first' }).to('out', { serdes: strings, name: 'out-1' });
          input.filter((r) => r.value !== 'y', { name: 'second' }).mapValues((v) => `b ${v}`, { name: 'b' }).to('out', { serdes: strings, name: 'out-2' });
        }),
      );
      const d = (driver = await TopologyTestDriver.create(topology, { partitions: 1 }));
      for (const v of ['x', 'y', 'z']) d.log.append({ topic: 'in', partition: 0, key: Buffer.from('k'), value: Buffer.from(v), timestamp: d.now, headers: {} });
      await d.process();
      const out = d.outputTopic<string, string>('out').readAll();
      assert.deepEqual(out.map((r) => r.value), ['a1 x', 'a2 x', 'b x', 'a1 y', 'a2 y', 'a1 z', 'a2 z', 'b z']);
    });

    it('branches that share a store see each record depth-first, as a record-at-a-time run would', async () => {
      const topology = defineTopology('fan', (t) =>
        t.subTopology('fan', (s) => {
          s.store('tally', counts);
          const input = s.stream<string, string>('in', { serdes: strings, name: 'in' });
          input
            .process({
              name: 'count',
              stores: ['tally'],
              process: async (r, api) => {
                const tally = api.store<string, number>('tally');
                tally.put(r.key, ((await tally.get(r.key)) ?? 0) + 1);
              },
            })
            .to('unused', { serdes: strings, name: 'unused-out' });
          input
            .process({
              name: 'read',
              stores: ['tally'],
              process: async (r, api) => api.forward({ key: r.key, value: `${r.value}=${await api.store<string, number>('tally').get(r.key)}` }),
            })
            .to('out', { serdes: strings, name: 'out' });
        }),
      );
      const d = (driver = await TopologyTestDriver.create(topology, { partitions: 1 }));
      for (const v of ['x', 'y', 'z']) d.log.append({ topic: 'in', partition: 0, key: Buffer.from('k'), value: Buffer.from(v), timestamp: d.now, headers: {} });
      await d.process();
      assert.deepEqual(d.outputTopic<string, string>('out').readAll().map((r) => r.value), ['x=1', 'y=2', 'z=3']);
    });
  });

  describe('re-keying before an aggregate', () => {
    it('accepts a map to a new key that is on the same partition as the record key', async () => {
      const d = (driver = await TopologyTestDriver.create(pagesPerUser()));
      const clicks = d.inputTopic<string, Click>('clicks');
      // The producer keys clicks by session ids that co-partition with the user.
      const alice = 'alice';
      const bob = keyIn(1 - partitionOf(alice), 'bob');
      const session = (user: string, n: number) => keyIn(partitionOf(user), `${user}-session-${n}`);
      assert.notEqual(session(alice, 1), alice);

      await clicks.pipe(session(alice, 1), { user: alice, page: '/home' });
      await clicks.pipe(session(bob, 1), { user: bob, page: '/shop' });
      await clicks.pipe(session(alice, 2), { user: alice, page: '/cart' });

      const latest = d.outputTopic<string, string[]>('user-pages').readLatest();
      assert.deepEqual(latest.get(alice), ['/home', '/cart']);
      assert.deepEqual(latest.get(bob), ['/shop']);
      const table = await d.store<string, string[]>(`clicks-${partitionOf(alice)}`, 'pages-per-user');
      assert.deepEqual(table, [{ key: alice, value: ['/home', '/cart'] }]);
    });
  });

  describe('an aggregate key of another partition', () => {
    const alice = 'alice';
    const home = () => keyIn(partitionOf(alice), 'page'); // co-partitions with alice
    const away = () => keyIn(partitionOf(alice), 'page', false); // hashes to the other partition
    const taskOfAlice = () => `views-${partitionOf(alice)}`;

    it("with processing: 'dead-letter' the record lands on <app>-dead-letter naming the aggregate", async () => {
      const d = (driver = await TopologyTestDriver.create(viewsPerPage({ processing: 'dead-letter' })));
      const clicks = d.inputTopic<string, Click>('clicks');
      await clicks.pipe(alice, { user: alice, page: home() });
      const poison = await clicks.pipe(alice, { user: alice, page: away() });
      await clicks.pipe(alice, { user: alice, page: home() });

      assert.deepEqual(d.outputTopic<string, number>('page-views').readKeyValues(), [
        { key: home(), value: 1 },
        { key: home(), value: 2 },
      ]);
      const dead = d.log.records('views-dead-letter');
      assert.equal(dead.length, 1);
      const [letter] = dead;
      assert.deepEqual(letter.key, poison.key, 'the original key bytes');
      assert.deepEqual(letter.value, poison.value, 'the original value bytes');
      assert.equal(header(letter.headers, 'error.node'), 'views-per-page');
      assert.equal(header(letter.headers, 'error.stage'), 'processing');
      assert.equal(header(letter.headers, 'error.code'), 'PROCESSING_FAILED');
      assert.match(header(letter.headers, 'error.message') ?? '', /belongs to partition/);
      assert.equal(header(letter.headers, 'source.topic'), 'clicks');
      assert.equal(header(letter.headers, 'source.partition'), String(poison.partition));
      assert.equal(header(letter.headers, 'source.offset'), String(poison.offset));

      const table = await d.store<string, number>(taskOfAlice(), 'views-per-page');
      assert.deepEqual(table, [{ key: home(), value: 2 }], 'the refused key never reached the store');
    });

    it("with the default 'fail' policy pipe rejects, nothing of the batch is committed, and the record is retried", async () => {
      const topology = viewsPerPage();
      assert.ok(!topology.topics().some((t) => t.roles.includes('dead-letter')));
      const d = (driver = await TopologyTestDriver.create(topology));
      const clicks = d.inputTopic<string, Click>('clicks');
      await clicks.pipe(alice, { user: alice, page: home() });

      const isRefusal = (err: unknown) => {
        assert.ok(err instanceof ProcessingError, String(err));
        assert.equal(err.node, 'views-per-page');
        assert.equal(err.code, 'PROCESSING_FAILED');
        assert.match(err.message, new RegExp(`aggregate key "${away()}" belongs to partition ${1 - partitionOf(alice)}, not ${partitionOf(alice)}`));
        return true;
      };
      await assert.rejects(clicks.pipe(alice, { user: alice, page: away() }), isRefusal);

      assert.equal(d.outputTopic('page-views').size, 1, 'only the first record was committed');
      assert.equal(d.log.committedOffset(`views-${taskOfAlice()}`, { topic: 'clicks', partition: partitionOf(alice) }), 1);
      assert.equal(d.log.hasTopic('views-dead-letter'), false);
      // The task died; restarted, it reads the record again and fails again: nothing is skipped.
      await assert.rejects(d.restart(taskOfAlice()), isRefusal);
    });
  });

  describe('process node errors', () => {
    it('a process node reaching for a store it did not declare fails as a processing error of that node', async () => {
      const topology = defineTopology(
        'proc',
        (t) =>
          t.subTopology('proc', (s) => {
            s.store('declared', counts);
            s.store('other', counts);
            s.stream<string, string>('in', { serdes: strings, name: 'in' })
              .process({
                name: 'greedy',
                stores: ['declared'],
                process: async (r, api) => {
                  api.store<string, number>('other').put(r.key, 1);
                },
              })
              .to('out', { serdes: strings, name: 'out' });
          }),
        { errors: { processing: 'dead-letter' } },
      );
      const d = (driver = await TopologyTestDriver.create(topology));
      await d.inputTopic<string, string>('in').pipe('k', 'v');
      const [letter] = d.log.records('proc-dead-letter');
      assert.equal(header(letter.headers, 'error.node'), 'greedy');
      assert.match(header(letter.headers, 'error.message') ?? '', /did not declare store 'other'/);
      assert.deepEqual(await d.store(`proc-${partitionOf('k')}`, 'other'), []);
    });
  });
});
