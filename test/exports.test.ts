import { strict as assert } from 'node:assert';

// The package's public entry points, as a user imports them (package.json "exports", built by `npm ci`'s prepare).
describe('package exports', () => {
  it('exposes the DSL, serdes and runner from the main entry, and the driver only from /testing', () => {
    const main = require('topology-streams');
    for (const name of ['defineTopology', 'Serdes', 'avroSerde', 'TopologyError', 'StreamsError', 'KafkaTaskRunner', 'createProducer', 'partitionForKey']) {
      assert.equal(typeof main[name], name === 'Serdes' ? 'object' : 'function', name);
    }
    assert.equal(main.TopologyTestDriver, undefined);
    const testing = require('topology-streams/testing');
    assert.equal(typeof testing.TopologyTestDriver, 'function');
    assert.throws(() => require('topology-streams/dist/src/runtime/task'), /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
  });
});
