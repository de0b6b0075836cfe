/**
 * The accountant's fold, shared by both shapes of the wallet: legs from wallet.payment, replays dropped, each added
 * to its account's balance (store `balance`), every new balance to wallet.balance.
 */
import { Serdes, SubTopologyBuilder } from '../../src';
import { balanceSerde, paymentSerde } from './serdes';
import { Balance } from './types';
import { DEDUPE_RETENTION, applyLeg, balanceLine, emptyBalance, legId } from './ledger';

/** A sink for balances: the balance line as report, and compacted, since the balances are a table. */
export const balancesOut = (name: string) => ({
  name,
  serdes: { key: Serdes.string(), value: balanceSerde },
  report: (r: { value: Balance }) => balanceLine(r.value),
  // An account idle for a week must still have its balance (serve reads it).
  compacted: true,
});

export function legsIntoBalances(s: SubTopologyBuilder, topics: { payment: string; balance: string }): void {
  s.stream(topics.payment, { serdes: { key: Serdes.string(), value: paymentSerde }, name: 'payments-in' })
    // Drops replays of a leg. A leg is (request, emission, direction): both legs of one transfer may land in this
    // partition and both apply; whether a retried request is new was decided once, by the payment step.
    .dedupe({ name: 'payment-dedupe', id: (r) => legId(r.value), retention: DEDUPE_RETENTION })
    .aggregate({
      name: 'balance',
      key: (r) => r.value.account,
      init: emptyBalance,
      add: (balance, r) => applyLeg(balance, r.value),
      serdes: { key: Serdes.string(), value: balanceSerde },
    })
    .to(topics.balance, balancesOut('balances-out'));
}
