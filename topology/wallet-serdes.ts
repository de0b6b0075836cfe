import path from 'path';
import { avroSerde, loadSchema } from '../src/serde';
import { findUp } from '../src/util/find-up';
import { Balance, Payment, TransferRequest } from './wallet-types';

/** The wallet's value serdes: Avro single-object encoding with the schemas in schemas/. */
function schemaFile(name: string) {
  return loadSchema(path.join(findUp('schemas', __dirname), name));
}

export const transferRequestSerde = avroSerde<TransferRequest>(schemaFile('transfer_request.avsc'));
// Older versions stay readable: legs written before a field was added decode with its default.
export const paymentSerde = avroSerde<Payment>(schemaFile('payment.avsc'), { writerSchemas: [schemaFile('history/payment-v1.avsc')] });
export const balanceSerde = avroSerde<Balance>(schemaFile('balance.avsc'));
