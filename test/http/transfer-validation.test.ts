import { strict as assert } from 'node:assert';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { normalizeUuid, validateTransfer } from '../../topology/wallet/http/transfer-validation';

const ID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const valid = { request_id: ID, from: 'Alice', to: 'Bob', amount: '0.5' };

// The original demo's answer to a body that is not a transfer object has a message and no code.
const PROBLEMS_PARSING_JSON = 'problems parsing JSON';

/** 'ok', the error's code, or its message when it has no code. */
function codeOf(body: unknown): string {
  const r = validateTransfer(body);
  return r.ok ? 'ok' : r.error.code ?? r.error.message;
}

function transferOf(body: unknown) {
  const r = validateTransfer(body);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.transfer;
}

describe('validateTransfer', () => {
  it('accepts the README body', () => {
    const t = transferOf(valid);
    assert.deepEqual({ ...t, amount: t.amount.toFixed(2) }, { request_id: ID, from: 'Alice', to: 'Bob', amount: '0.50' });
    assert.ok(t.amount instanceof Decimal);
  });

  describe('shape → problems parsing JSON', () => {
    for (const body of [null, undefined, 42, 'str', true, [], [valid]]) {
      it(`refuses body ${JSON.stringify(body)}`, () => {
        assert.deepEqual(validateTransfer(body), {
          ok: false,
          error: { message: 'problems parsing JSON' },
        });
      });
    }
    for (const key of ['request_id', 'from', 'to', 'amount']) {
      for (const value of [5, null, true, {}, ['x']]) {
        it(`refuses ${key}: ${JSON.stringify(value)}`, () => {
          assert.equal(codeOf({ ...valid, [key]: value }), PROBLEMS_PARSING_JSON);
        });
      }
    }
    it('refuses a JSON-number amount even when it is a valid value', () => {
      assert.equal(codeOf({ ...valid, amount: 0.5 }), PROBLEMS_PARSING_JSON);
    });
    it('takes precedence over a bad request_id', () => {
      assert.equal(codeOf({ ...valid, request_id: 'nope', amount: 1 }), PROBLEMS_PARSING_JSON);
    });
    it('ignores unknown fields', () => {
      assert.equal(codeOf({ ...valid, memo: 7 }), 'ok');
    });
  });

  describe('request_id', () => {
    const forms = [
      ID,
      ID.toUpperCase(),
      'A0EEBC99-9c0b-4EF8-bb6d-6BB9BD380A11',
      ID.replace(/-/g, ''),
      ID.replace(/-/g, '').toUpperCase(),
      `{${ID}}`,
      `{${ID.toUpperCase()}}`,
      `urn:uuid:${ID}`,
      `URN:UUID:${ID.toUpperCase()}`,
      `  ${ID}\n`,
    ];
    for (const form of forms) {
      it(`normalizes ${JSON.stringify(form)}`, () => {
        assert.equal(transferOf({ ...valid, request_id: form }).request_id, ID);
      });
    }
    const bad = [
      '', '   ', 'not-a-uuid', ID.slice(0, -1), `${ID}0`, ID.replace('a', 'g'), `{${ID}`, `${ID}}`,
      `{${ID.replace(/-/g, '')}}`, `urn:uuid:${ID.replace(/-/g, '')}`, 'a0eebc999c0b-4ef8-bb6d-6bb9bd380a11-',
      'a0eebc99-9c0b4ef8-bb6d-6bb9bd380a11-',
    ];
    for (const form of bad) {
      it(`refuses ${JSON.stringify(form)}`, () => {
        assert.deepEqual(validateTransfer({ ...valid, request_id: form }), {
          ok: false,
          error: { message: 'transfer request ID must be valid UUID', code: 'request_id_invalid' },
        });
      });
    }
    it('serializes errors with key order message, code', () => {
      const r = validateTransfer({ ...valid, request_id: 'x' });
      assert.equal(JSON.stringify(r.ok ? null : r.error), '{"message":"transfer request ID must be valid UUID","code":"request_id_invalid"}');
    });
    it('refuses a missing request_id', () => {
      const { request_id: _, ...rest } = valid;
      assert.equal(codeOf(rest), 'request_id_invalid');
    });
    it('normalizeUuid returns undefined for junk', () => {
      assert.equal(normalizeUuid('xyz'), undefined);
    });
  });

  describe('from / to', () => {
    it('requires from', () => {
      assert.deepEqual(validateTransfer({ ...valid, from: '  ' }), {
        ok: false,
        error: { message: 'transfer sender account is required', code: 'from_required' },
      });
      assert.equal(codeOf({ request_id: ID, to: 'Bob', amount: '1' }), 'from_required');
    });
    it('requires to', () => {
      assert.deepEqual(validateTransfer({ ...valid, to: '\t' }), {
        ok: false,
        error: { message: 'transfer recipient account is required', code: 'to_required' },
      });
      assert.equal(codeOf({ request_id: ID, from: 'Alice', amount: '1' }), 'to_required');
    });
    it('stores trimmed names', () => {
      const t = transferOf({ ...valid, from: '  Alice ', to: '\nBob\t' });
      assert.equal(t.from, 'Alice');
      assert.equal(t.to, 'Bob');
    });
    it('refuses the same account, compared after trimming', () => {
      assert.deepEqual(validateTransfer({ ...valid, from: 'Bob ', to: ' Bob' }), {
        ok: false,
        error: { message: 'from and to must be different accounts', code: 'same_account' },
      });
    });
    it('is case-sensitive on account names', () => {
      assert.equal(codeOf({ ...valid, from: 'bob', to: 'Bob' }), 'ok');
    });
  });

  describe('amount', () => {
    const rounded: Array<[string, string]> = [
      ['1.009', '1.01'], ['0.015', '0.02'], ['2.675', '2.68'], ['1.004', '1.00'], ['1.001', '1.00'], ['0.0149', '0.01'],
      ['10', '10.00'], ['+3.1', '3.10'], ['.5', '0.50'], ['5.', '5.00'], ['007.50', '7.50'], [' 1.25 ', '1.25'],
      ['1000000000', '1000000000.00'], ['1000000000.004', '1000000000.00'], ['999999999.99', '999999999.99'], ['0.01', '0.01'],
      // Exponent notation is a valid decimal (the demo's parser took it too).
      ['1e5', '100000.00'], ['1E5', '100000.00'], ['2.5e1', '25.00'], ['1e-2', '0.01'], ['1.0051E+0', '1.01'], ['.5e1', '5.00'],
    ];
    for (const [input, expected] of rounded) {
      it(`rounds ${JSON.stringify(input)} to ${expected}`, () => {
        assert.equal(transferOf({ ...valid, amount: input }).amount.toFixed(2), expected);
      });
    }
    // The minimum applies before rounding: 0.005 and 0.009 would round to 0.01 and are still too small.
    const ltMin = [
      '', '   ', '0.004', '0.005', '0.009', '0.0099999', '0', '0.00', '-5', '-0.01', '-0.005', '1e-30', '1e-3',
      '0.000000000000000000000000000001', '-12345678901234567', '1e-99999999999999999',
    ];
    for (const input of ltMin) {
      it(`${JSON.stringify(input)} → amount_lt_min`, () => {
        assert.deepEqual(validateTransfer({ ...valid, amount: input }), {
          ok: false,
          error: { message: 'ensure this value is greater than 0.01', code: 'amount_lt_min' },
        });
      });
    }
    it('missing amount → amount_lt_min', () => {
      const { amount: _, ...rest } = valid;
      assert.equal(codeOf(rest), 'amount_lt_min');
    });
    const invalid = [
      'NaN', 'Infinity', '-Infinity', 'inf', '0x10', '0b1', 'abc', '1.2.3', '.', '-', '1,5', '1 000', '$5', 'e5', '1e',
      '1e+', '1e5.5', '1e 5', '1e99999999999999999',
    ];
    for (const input of invalid) {
      it(`${JSON.stringify(input)} → amount_invalid`, () => {
        assert.equal(codeOf({ ...valid, amount: input }), 'amount_invalid');
      });
    }
    // Above the per-transfer bound (so no balance can overflow decimal(18, 2)), checked after rounding.
    for (const input of ['1000000000.01', '1000000000.005', '1e10', '12345678901234567', '12345678901234567.00', '9999999999999999.995', '1e16']) {
      it(`${JSON.stringify(input)} → amount_gt_max`, () => {
        assert.deepEqual(validateTransfer({ ...valid, amount: input }), { ok: false, error: { message: 'ensure this value is less than or equal to 1000000000.00', code: 'amount_gt_max' } });
      });
    }
  });

  describe('ordering', () => {
    it('request_id before amount', () => {
      assert.equal(codeOf({ ...valid, request_id: 'x', amount: 'abc' }), 'request_id_invalid');
    });
    it('request_id before from', () => {
      assert.equal(codeOf({ request_id: 'x' }), 'request_id_invalid');
    });
    it('from before amount', () => {
      assert.equal(codeOf({ ...valid, from: '', amount: 'abc' }), 'from_required');
    });
    it('amount before to', () => {
      assert.equal(codeOf({ ...valid, amount: '0', to: '' }), 'amount_lt_min');
      assert.equal(codeOf({ ...valid, amount: 'x', to: '' }), 'amount_invalid');
    });
    it('to before same_account', () => {
      assert.equal(codeOf({ ...valid, from: 'A', to: ' ' }), 'to_required');
    });
    it('amount before same_account', () => {
      assert.equal(codeOf({ ...valid, from: 'A', to: 'A', amount: '0' }), 'amount_lt_min');
    });
  });

  it('property: a valid amount comes back with 2 decimals, half-up rounded', () => {
    // Plain decimals with up to 9 integer digits and up to 6 fraction digits, at least 0.01 as sent.
    const amountArb = fc
      .tuple(fc.stringMatching(/^[0-9]{1,9}$/), fc.stringMatching(/^[0-9]{0,6}$/))
      .map(([i, f]) => (f === '' ? i : `${i}.${f}`))
      .filter((s) => new Decimal(s).gte('0.01'));
    fc.assert(
      fc.property(amountArb, (raw) => {
        const t = transferOf({ ...valid, amount: raw });
        const text = t.amount.toFixed(2);
        assert.match(text, /^\d+\.\d{2}$/);
        // Reference: half-up by integer arithmetic on millionths, floor((micros + 5000) / 10000) cents.
        const [i, f = ''] = raw.split('.');
        const micros = BigInt(i + (f + '000000').slice(0, 6));
        const cents = (micros + 5_000n) / 10_000n;
        const expected = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
        assert.equal(text, expected);
        assert.equal(t.amount.decimalPlaces() <= 2, true);
      }),
      { numRuns: 500 },
    );
  });
});
