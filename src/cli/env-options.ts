import { Argv, Options } from 'yargs';

/** `--state-dir` → `TOPOLOGY_STATE_DIR`. */
export function envName(option: string, prefix = 'TOPOLOGY'): string {
  return `${prefix}_${option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase()}`;
}

/** An environment value read as the option's type; a string that does not fit is reported, not guessed at. */
function parse(name: string, raw: string, opt: Options): { value?: unknown; error?: string } {
  const one = (text: string): { value?: unknown; error?: string } => {
    if (opt.type === 'number') {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: `${name}=${raw} is not a number` };
    }
    if (opt.type === 'boolean') {
      if (/^(1|true|yes|on)$/i.test(text)) return { value: true };
      if (/^(0|false|no|off|)$/i.test(text)) return { value: false };
      return { error: `${name}=${raw} is not a boolean (true/false, 1/0, yes/no)` };
    }
    return { value: text };
  };
  if (!opt.array) return one(raw);
  const values: unknown[] = [];
  for (const part of raw.split(/[\s,]+/).filter(Boolean)) {
    const parsed = one(part);
    if (parsed.error) return parsed;
    values.push(parsed.value);
  }
  return { value: values };
}

/**
 * Makes every option declared on `cli` (its own, and those of every command's builder, a plugin's included: yargs
 * runs them on the same instance) settable from the environment as `<PREFIX>_<OPTION>`, e.g. `TOPOLOGY_STATE_DIR`
 * for `--state-dir`, and lists that name in the option's `--help` line. The command line wins over the environment,
 * which wins over the option's default.
 *
 * yargs' own `.env(prefix)` is not used: it turns every variable with the prefix into an argument, so one meant for
 * something else would fail a strict parse as an unknown option. Here only declared options read the environment.
 * A value that does not fit the option's type is a usage error (reported by the `.check` this adds).
 */
export function optionsFromEnv<T>(cli: Argv<T>, prefix = 'TOPOLOGY', env: NodeJS.ProcessEnv = process.env): Argv<T> {
  const errors: string[] = [];
  const declare = cli.option.bind(cli) as (key: string | Record<string, Options>, opt?: Options) => Argv<T>;
  const positional = cli.positional.bind(cli) as (key: string, opt: Options) => Argv<T>;
  let inPositional = false;
  const self = cli as unknown as Record<string, unknown>;
  self.option = self.options = (key: string | Record<string, Options>, opt?: Options) => {
    if (typeof key !== 'string' || inPositional) return declare(key, opt);
    const name = envName(key, prefix);
    const describe = opt?.describe ?? opt?.description ?? opt?.desc;
    const withEnv: Options = { ...opt, describe: `${describe ? `${describe} ` : ''}(env ${name})` };
    delete withEnv.description;
    delete withEnv.desc;
    const raw = env[name];
    if (raw !== undefined) {
      const parsed = parse(name, raw, opt ?? {});
      if (parsed.error) errors.push(parsed.error);
      else {
        withEnv.default = parsed.value;
        delete withEnv.defaultDescription;
      }
    }
    return declare(key, withEnv);
  };
  self.positional = (key: string, opt: Options) => {
    inPositional = true;
    try {
      return positional(key, opt);
    } finally {
      inPositional = false;
    }
  };
  return cli.check(() => {
    if (errors.length > 0) throw new Error(errors.join('; '));
    return true;
  }, true);
}
