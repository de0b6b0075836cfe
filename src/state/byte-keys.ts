/**
 * Byte keys as latin1 strings: one UTF-16 code unit per byte, so JS string order is exactly unsigned byte order,
 * which lets sorted in-memory structures (sorted-btree) order keys as RocksDB does. No latin1 key contains U+FFFF,
 * so it bounds an open-ended range.
 */
export const toKey = (b: Buffer): string => b.toString('latin1');
export const fromKey = (s: string): Buffer => Buffer.from(s, 'latin1');
export const ABOVE_ALL_KEYS = '\uffff';
