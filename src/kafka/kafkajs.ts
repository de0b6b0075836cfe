/**
 * kafkajs, as the library uses it: every module of src/kafka imports kafkajs from here, so the local fixes of
 * kafkajs-fixes.ts (kafkajs 2.2.4 is unmaintained) are in place before kafkajs itself loads.
 */
import './kafkajs-fixes';

/** Our records always carry their partition (murmur2 of the key bytes, computed once by the sink). */
export const explicitPartitioner = () => ({ message }: { message: { partition?: number } }) => {
  if (message.partition === undefined) throw new Error('a record reached the producer without a partition');
  return message.partition;
};

export * from 'kafkajs';
