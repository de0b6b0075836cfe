import { strict as assert } from 'node:assert';
import http from 'node:http';
import { listen } from '../../src/cli/listen';

describe('listen', () => {
  const servers: http.Server[] = [];
  after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
  const open = () => {
    const s = http.createServer((_req, res) => res.end());
    servers.push(s);
    return s;
  };

  for (const addr of ['127.0.0.1:0', ':0', '0']) {
    it(`parses ${JSON.stringify(addr)} onto 127.0.0.1`, async () => {
      const { host, port } = await listen(open(), addr);
      assert.equal(host, '127.0.0.1');
      assert.ok(port > 0);
    });
  }

  for (const addr of ['', 'host', '127.0.0.1:', '127.0.0.1:99999', '1.2.3.4:-1']) {
    it(`refuses ${JSON.stringify(addr)}`, async () => {
      await assert.rejects(listen(open(), addr), { code: 'CONFIG_INVALID' });
    });
  }
});
