/**
 * The wallet app, as the `topology` CLI loads it (the "topology" field of package.json): its topology, and its
 * `cli` plugin with the `serve` and `dev` commands. Everything here is built on the library's public entry only.
 */
export { wallet as default, wallet, buildWallet, walletTopics, walletTopicsOf, TOPICS, DEDUPE_RETENTION } from './topology';
export type { WalletOptions, WalletTopics } from './topology';
export { cli } from './cli';
