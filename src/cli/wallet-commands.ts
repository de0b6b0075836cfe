import { Argv } from 'yargs';

/** The wallet's user-facing commands (serve, dev, produce, consume) are registered here. */
export function registerWalletCommands(cli: Argv): Argv {
  return cli;
}
