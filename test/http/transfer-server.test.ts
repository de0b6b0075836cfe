import { strict as assert } from 'node:assert';
import type http from 'node:http';
import Decimal from 'decimal.js';
import { listen } from '../../src/cli/listen';
import { BrokerUnavailableError, createTransferServer } from '../../topology/wallet/http/transfer-server';
import type { Balance, TransferRequest } from '../../topology/wallet/types';

const ID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const README_BODY = '{"from": "Alice", "to": "Bob", "amount": "0.5", "request_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

interface Harness {
  base: string;
  published: TransferRequest[];
  balances: Map<string, Balance>;
  logs: Array<{ level: string; obj: object }>;
  /** What publish throws: the broker refused it (503) or anything else (500). */
  failPublish: 'unavailable' | 'unexpected' | false;
  /** Whether the balance view has caught up. */
  ready: boolean;
  server: http.Server;
}

function startServer(): Promise<Harness> {
  const h = { published: [], balances: new Map(), logs: [], failPublish: false, ready: true } as unknown as Harness;
  h.server = createTransferServer({
    publish: async (t) => {
      if (h.failPublish === 'unavailable') throw new BrokerUnavailableError(new Error('KafkaJSConnectionError: broker down'));
      if (h.failPublish === 'unexpected') throw new Error('unknown error');
      h.published.push(t);
    },
    getBalance: (account) => {
      if (account === 'explode') throw new Error('store closed');
      return h.balances.get(account);
    },
    isReady: () => h.ready,
    logger: {
      info: (obj) => h.logs.push({ level: 'info', obj }),
      warn: (obj) => h.logs.push({ level: 'warn', obj }),
    },
  });
  return listen(h.server, '127.0.0.1:0').then(({ port }) => {
    h.base = `http://127.0.0.1:${port}`;
    return h;
  });
}

async function call(h: Harness, method: string, path: string, body?: string, headers: Record<string, string> = FORM) {
  const res = await fetch(h.base + path, { method, body, headers });
  const text = await res.text();
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

describe('transfer server', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(() => new Promise<void>((resolve) => h.server.close(() => resolve())));
  beforeEach(() => {
    h.published.length = 0;
    h.balances.clear();
    h.logs.length = 0;
    h.failPublish = false;
  });

  describe('POST /api/v1/transfers', () => {
    it('accepts the README curl body sent as form-urlencoded', async () => {
      const r = await call(h, 'POST', '/api/v1/transfers', README_BODY);
      assert.equal(r.status, 201);
      assert.equal(r.text, `{"request_id":"${ID}","from":"Alice","amount":"0.50","to":"Bob"}\n`);
      assert.equal(h.published.length, 1);
      const [t] = h.published;
      assert.ok(t.amount instanceof Decimal);
      assert.deepEqual({ ...t, amount: t.amount.toString() }, { request_id: ID, from: 'Alice', to: 'Bob', amount: '0.5' });
    });

    it('echoes the normalized transfer', async () => {
      const body = JSON.stringify({ request_id: `{${ID.toUpperCase()}}`, from: ' Alice ', to: 'Bob', amount: '1.009' });
      const r = await call(h, 'POST', '/api/v1/transfers', body, { 'Content-Type': 'application/json' });
      assert.equal(r.status, 201);
      assert.equal(r.text, `{"request_id":"${ID}","from":"Alice","amount":"1.01","to":"Bob"}\n`);
    });

    const base = { request_id: ID, from: 'Alice', to: 'Bob', amount: '0.5' };
    const errors: Array<[string, object, string, string]> = [
      ['bad request_id', { ...base, request_id: 'nope' }, 'request_id_invalid', 'transfer request ID must be valid UUID'],
      ['empty from', { ...base, from: ' ' }, 'from_required', 'transfer sender account is required'],
      ['missing amount', { ...base, amount: '' }, 'amount_lt_min', 'ensure this value is greater than 0.01'],
      ['tiny amount', { ...base, amount: '0.004' }, 'amount_lt_min', 'ensure this value is greater than 0.01'],
      ['negative amount', { ...base, amount: '-5' }, 'amount_lt_min', 'ensure this value is greater than 0.01'],
      ['garbage amount', { ...base, amount: 'abc' }, 'amount_invalid', 'amount must be a decimal number such as "10.50"'],
      ['huge amount', { ...base, amount: '12345678901234567' }, 'amount_gt_max', 'ensure this value is less than or equal to 1000000000.00'],
      ['empty to', { ...base, to: '' }, 'to_required', 'transfer recipient account is required'],
      ['same account', { ...base, to: 'Alice' }, 'same_account', 'from and to must be different accounts'],
    ];
    for (const [name, body, code, message] of errors) {
      it(`400 ${code} for ${name}`, async () => {
        const r = await call(h, 'POST', '/api/v1/transfers', JSON.stringify(body));
        assert.equal(r.status, 400);
        assert.equal(r.text, `${JSON.stringify({ message, code })}\n`);
        assert.equal(h.published.length, 0);
      });
    }

    const numericAmount = JSON.stringify({ ...base, amount: 0.5 });
    for (const body of ['{"from": "Alice",', '', 'from=Alice&to=Bob', '[]', '[{"from":"Alice"}]', '42', 'null', '"x"', numericAmount]) {
      it(`400 problems parsing JSON (no code) for body ${JSON.stringify(body)}`, async () => {
        const r = await call(h, 'POST', '/api/v1/transfers', body);
        assert.equal(r.status, 400);
        assert.equal(r.text, '{"message":"problems parsing JSON"}\n');
        assert.equal(h.published.length, 0);
      });
    }

    it('accepts exactly 64 KiB', async () => {
      const body = JSON.stringify({ ...base, pad: '' });
      const padded = body.replace('"pad":""', `"pad":"${'x'.repeat(65536 - body.length)}"`);
      assert.equal(padded.length, 65536);
      const r = await call(h, 'POST', '/api/v1/transfers', padded);
      assert.equal(r.status, 201);
    });

    it('413 for 64 KiB + 1', async () => {
      const r = await call(h, 'POST', '/api/v1/transfers', 'x'.repeat(65537));
      assert.equal(r.status, 413);
      assert.equal(r.text, '{"message":"request body exceeds 65536 bytes","code":"body_too_large"}\n');
    });

    it('413 for an oversized chunked body (no Content-Length)', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(40_000));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent++ < 50) c.enqueue(chunk);
          else c.close();
        },
      });
      const res = await fetch(`${h.base}/api/v1/transfers`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      assert.equal(res.status, 413);
      assert.equal((await res.json() as { code: string }).code, 'body_too_large');
    });

    it('503 broker_unavailable when publish throws BrokerUnavailableError, nothing recorded', async () => {
      h.failPublish = 'unavailable';
      const r = await call(h, 'POST', '/api/v1/transfers', README_BODY);
      assert.equal(r.status, 503);
      assert.equal(r.json.code, 'broker_unavailable');
      assert.match(String(r.json.message), /may or may not have been recorded.*same request_id/);
      assert.equal(h.published.length, 0);
      assert.ok(h.logs.some((l) => l.level === 'warn'));
    });

    it('500 internal error when publish throws anything else, logged', async () => {
      h.failPublish = 'unexpected';
      const r = await call(h, 'POST', '/api/v1/transfers', README_BODY);
      assert.equal(r.status, 500);
      assert.equal(r.text, '{"message":"internal error"}\n');
      assert.ok(h.logs.some((l) => l.level === 'warn'));
    });

    it('405 for GET, with Allow', async () => {
      const r = await call(h, 'GET', '/api/v1/transfers');
      assert.equal(r.status, 405);
      assert.equal(r.json.code, 'method_not_allowed');
      assert.equal(r.headers.get('allow'), 'POST');
    });
  });

  describe('GET /api/v1/accounts/:account', () => {
    it('200 with the balance', async () => {
      h.balances.set('Bob', { account: 'Bob', balance: new Decimal('0.5'), currency: 'USD', version: 1, request_id: ID });
      const r = await call(h, 'GET', '/api/v1/accounts/Bob');
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"account":"Bob","balance":"0.50","currency":"USD"}\n');
    });

    it('URL-decodes the account', async () => {
      h.balances.set('Bob Smith/é', {
        account: 'Bob Smith/é', balance: new Decimal('-3'), currency: 'USD', version: 2, request_id: ID,
      });
      const r = await call(h, 'GET', `/api/v1/accounts/${encodeURIComponent('Bob Smith/é')}?x=1`);
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"account":"Bob Smith/é","balance":"-3.00","currency":"USD"}\n');
    });

    it('404 account_not_found', async () => {
      const r = await call(h, 'GET', '/api/v1/accounts/Bob');
      assert.equal(r.status, 404);
      assert.equal(r.text, '{"message":"account Bob not found","code":"account_not_found"}\n');
    });

    it('400 account_invalid for broken percent-encoding', async () => {
      const r = await call(h, 'GET', '/api/v1/accounts/%E0%A4%A');
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 'account_invalid');
    });

    it('405 for POST, with Allow', async () => {
      const r = await call(h, 'POST', '/api/v1/accounts/Bob', '{}');
      assert.equal(r.status, 405);
      assert.equal(r.headers.get('allow'), 'GET, HEAD');
    });

    it('500 internal error when getBalance throws', async () => {
      const r = await call(h, 'GET', '/api/v1/accounts/explode');
      assert.equal(r.status, 500);
      assert.equal(r.text, '{"message":"internal error"}\n');
    });
  });

  describe('other routes', () => {
    it('GET /healthz', async () => {
      const r = await call(h, 'GET', '/healthz');
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"status":"ok"}\n');
    });

    it('GET /healthz is 503 while the balance view catches up, and an unknown account is 503 not_ready meanwhile, not 404', async () => {
      h.ready = false;
      try {
        const health = await call(h, 'GET', '/healthz');
        assert.equal(health.status, 503);
        assert.equal(health.json.status, 'starting');
        const account = await call(h, 'GET', '/api/v1/accounts/Nobody');
        assert.equal(account.status, 503);
        assert.equal(account.json.code, 'not_ready');
      } finally {
        h.ready = true;
      }
      assert.equal((await call(h, 'GET', '/healthz')).status, 200);
      assert.equal((await call(h, 'GET', '/api/v1/accounts/Nobody')).status, 404);
    });

    it('405 for DELETE /healthz', async () => {
      const r = await call(h, 'DELETE', '/healthz');
      assert.equal(r.status, 405);
      assert.equal(r.json.code, 'method_not_allowed');
    });

    for (const path of ['/', '/api/v1/transfer', '/api/v1/accounts/', '/api/v1/accounts/a/b', '/healthz/']) {
      it(`404 not_found for ${path}`, async () => {
        const r = await call(h, 'GET', path);
        assert.equal(r.status, 404);
        assert.equal(r.json.code, 'not_found');
      });
    }

    it('logs each request with method, path, status and ms', async () => {
      await call(h, 'GET', '/healthz?probe=1');
      const entry = h.logs.find((l) => l.level === 'info')?.obj as Record<string, unknown>;
      assert.deepEqual({ ...entry, ms: typeof entry.ms }, { method: 'GET', path: '/healthz', status: 200, ms: 'number' });
    });
  });
});
