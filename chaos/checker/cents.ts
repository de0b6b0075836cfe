/** Money in the chaos checker: integer cents (BigInt), never a float, never the runtime's decimal type. */

/** "12.30" / "-0.05" -> cents. Amounts on the wire and in the input log have exactly two places. */
export function toCents(amount: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(amount);
  if (!m) throw new Error(`not an amount with two decimal places: ${JSON.stringify(amount)}`);
  const cents = BigInt(m[2]) * 100n + BigInt(m[3]);
  return m[1] === '-' ? -cents : cents;
}

export function centsToString(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
