/**
 * The driver's in-memory log over long runs: output topics are read incrementally, consumed records of the topology's
 * own topics can be released, and changelogs are compacted as Kafka compacts them, without changing what a restore
 * rebuilds.
 */
import { strict as assert } from 'node:assert';
import { defineTopology, Serdes } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

const S = Serdes.string();
const counts = () =>
  defineTopology('log', (t) => {
    t.subTopology('split', (s) => s.stream<string, string>('words', { serdes: { key: S, value: S } }).map((r) => ({ key: r.value, value: r.value }), { name: 'by-word' }).to('by-word', { serdes: { key: S, value: S } }));
    t.subTopology('count', (s) =>
      s
        .stream<string, string>('by-word', { serdes: { key: S, value: S } })
        .aggregate({ name: 'counts', init: () => 0, add: (n: number) => n + 1, serdes: { key: S, value: Serdes.json<number>() } })
        .to('counts', { serdes: { key: S, value: Serdes.json<number>() } }),
    );
  }, { partitions: 1 });

describe('TopologyTestDriver log', () => {
  let driver: TopologyTestDriver;
  afterEach(() => driver?.close());

  it('readNew hands out each committed record once, partition by partition', async () => {
    driver = await TopologyTestDriver.create(counts());
    const out = driver.outputTopic<string, number>('counts');
    await driver.inputTopic<string, string>('words').pipe('k', 'a');
    assert.deepEqual(out.readNew().map((r) => `${r.key}=${r.value}`), ['a=1']);
    assert.deepEqual(out.readNew(), []);
    await driver.inputTopic<string, string>('words').pipe('k', 'a');
    await driver.inputTopic<string, string>('words').pipe('k', 'b');
    assert.deepEqual(out.readNew().map((r) => `${r.key}=${r.value}`), ['a=2', 'b=1']);
    assert.equal(out.readAll().length, 3);
  });

  it("retain: 'unconsumed' releases records every reading task committed past; outputs and offsets stay", async () => {
    driver = await TopologyTestDriver.create(counts(), { retain: 'unconsumed' });
    for (const w of ['a', 'b', 'a']) await driver.inputTopic<string, string>('words').pipe('k', w);
    assert.equal(driver.log.records('by-word').length, 0, 'the internal topic holds nothing once consumed');
    assert.equal(driver.log.records('words').length, 0);
    assert.equal(driver.log.endOffset({ topic: 'by-word', partition: 0 }), 3, 'offsets go on');
    assert.deepEqual(Object.fromEntries(driver.outputTopic<string, number>('counts').readLatest()), { a: 2, b: 1 });
    await driver.inputTopic<string, string>('words').pipe('k', 'b');
    assert.deepEqual(Object.fromEntries(driver.outputTopic<string, number>('counts').readLatest()), { a: 2, b: 2 });
  });

  it('compacts a large changelog to the last record of each key, and a wiped task rebuilds the same store from it', async () => {
    driver = await TopologyTestDriver.create(counts(), { maxBatchSize: 1, retain: 'unconsumed' });
    const words = Array.from({ length: 12_000 }, (_, i) => `w${i % 7}`);
    for (const w of words) driver.log.append({ topic: 'words', partition: 0, key: Buffer.from('k'), value: Buffer.from(w), timestamp: driver.now, headers: {} });
    await driver.process();
    const changelog = driver.log.records('log-counts-changelog');
    assert.ok(changelog.length < 12_000, `compacted (${changelog.length} records held of 12000 written)`);
    assert.equal(driver.log.endOffset({ topic: 'log-counts-changelog', partition: 0 }), 12_000, 'offsets are kept');
    const before = await driver.store<string, number>('count-0', 'counts');
    await driver.crash('count-0');
    await driver.wipeState('count-0');
    await driver.restart('count-0');
    assert.deepEqual(await driver.store<string, number>('count-0', 'counts'), before);
    assert.equal(before.find((e) => e.key === 'w0')?.value, words.filter((w) => w === 'w0').length);
  });
});
