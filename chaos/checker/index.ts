/** The chaos checker's entry: see check-wallet.ts. Nothing here imports src/ or topology/. */
export { CheckOptions, CheckResult, checkWallet } from './check-wallet';
export { centsToString, toCents } from './cents';
export { TransferRequestRecord } from './wallet-records';
