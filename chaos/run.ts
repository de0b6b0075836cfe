/**
 * `npm run chaos -- --transfers N --kills K --broker-kills B --stalls S [--accounts A] [--seed X] ...`
 * (`node bin/run-ts.js chaos/run.ts ...`; `--help`-style usage on a bad argument). See chaos/cli.ts.
 */
import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
