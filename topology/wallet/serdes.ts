import { existsSync } from 'node:fs';
import path from 'node:path';
import { avroSerde, loadSchema } from '../../src';
import { Balance, Debit, DepositRequest, Payment, TransferRequest, TransferStatus } from './types';

/** The repository's schemas/ folder, found from here both under tsx (topology/wallet) and when built (dist/topology/wallet). */
function schemasDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'schemas'))) return path.join(dir, 'schemas');
    if (path.dirname(dir) === dir) throw new Error(`schemas/ not found above ${__dirname}`);
  }
}

/** The wallet's value serdes: Avro single-object encoding with the schemas in schemas/. */
function schemaFile(name: string) {
  return loadSchema(path.join(schemasDir(), name));
}

export const transferRequestSerde = avroSerde<TransferRequest>(schemaFile('transfer_request.avsc'));
// Older versions stay readable: legs written before a field was added decode with its default.
export const paymentSerde = avroSerde<Payment>(schemaFile('payment.avsc'), { writerSchemas: [schemaFile('history/payment-v1.avsc')] });
export const balanceSerde = avroSerde<Balance>(schemaFile('balance.avsc'));
// Overdraft protection's records.
export const depositRequestSerde = avroSerde<DepositRequest>(schemaFile('deposit_request.avsc'));
export const debitSerde = avroSerde<Debit>(schemaFile('debit.avsc'));
export const transferStatusSerde = avroSerde<TransferStatus>(schemaFile('transfer_status.avsc'));
