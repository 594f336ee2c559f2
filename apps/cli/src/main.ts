#!/usr/bin/env node
/**
 * `farm`: command line client of the benchmark farm API (upload, benchmark, compare, list).
 * Parses arguments, resolves the API URL once, runs one command and maps errors to
 * `error CODE: message` on stderr with a non-zero exit code.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { API_KEY_SCOPES, FRAMEWORKS, LIMITS, PLATFORMS, REGRESSION_STATES, SETTABLE_REGRESSION_STATES, type ApiKeyScope } from '@farm/contracts';
import { ApiClient, ApiError } from './api-client.js';
import { ConfigError, DEFAULT_API_URL, resolveConfig } from './config.js';
import { bench } from './commands/bench.command.js';
import { compare, devices, layers, models } from './commands/read.commands.js';
import { createKey, listKeys, revokeKey } from './commands/keys.commands.js';
import { createSuite, listSuites, regressions, runSuite, setRegressionState } from './commands/suites.commands.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function intIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function collectFramework(value: string, previous: string[] | undefined): string[] {
  if (!(FRAMEWORKS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${FRAMEWORKS.join(', ')}`);
  return collect(value, previous);
}

function apiOption() {
  return new Option('--api <url>', `API base URL (default: $FARM_API_URL or ${DEFAULT_API_URL})`);
}

function client(flags: { api?: string }): ApiClient {
  const config = resolveConfig(flags, process.env);
  return new ApiClient(config.apiUrl, config.apiKey);
}

async function run(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (e) {
    if (e instanceof ApiError) process.stderr.write(`error ${e.code}: ${e.message}\n`);
    else if (e instanceof ConfigError) process.stderr.write(`error CONFIG: ${e.message}\n`);
    else process.stderr.write(`error INTERNAL: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}

const program = new Command()
  .name('farm')
  .description('Benchmark neural networks on the devices of a benchmark farm.')
  .showHelpAfterError('(see farm <command> --help)');

program
  .command('bench')
  .description("upload model files (later files become artifacts of the first one's model), benchmark them, print the comparison")
  .argument('<files...>', 'ONNX or TFLite model files')
  .option('--name <name>', 'model name (default: the first file name)')
  .addOption(new Option('--platform <platform>', 'run on every online device of this platform (default: linux)').choices(PLATFORMS).conflicts('device'))
  .option('--device <id>', 'run on this device id (repeatable)', collect)
  .option('--framework <framework>', `restrict to this framework (repeatable; one of ${FRAMEWORKS.join(', ')})`, collectFramework)
  .option('--threads <n>', 'intra-op threads', intIn(LIMITS.threads.min, LIMITS.threads.max))
  .option('--warmup <n>', 'warm-up runs', intIn(LIMITS.warmupRuns.min, LIMITS.warmupRuns.max))
  .option('--runs <n>', 'timed runs', intIn(LIMITS.timedRuns.min, LIMITS.timedRuns.max))
  .option('--profile-runs <n>', 'profiled runs for per-layer timings', intIn(LIMITS.profileRuns.min, LIMITS.profileRuns.max))
  .addOption(
    new Option('--quantize [calibration]', "also benchmark each fp32 ONNX artifact's int8 variant (made with the project's quantizer)").choices([
      'minmax',
      'percentile',
    ]),
  )
  .option('--timeout <seconds>', 'give up waiting after this many seconds', intIn(1, 86_400), 600)
  .option('--json', 'print the run and comparison as JSON instead of tables', false)
  .addOption(apiOption())
  .action((files: string[], opts) => run(() => bench(client(opts), files, opts, out)));

program
  .command('compare')
  .description('print the framework x device comparison of a model')
  .argument('<modelId>')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((modelId: string, opts) => run(() => compare(client(opts), modelId, opts.json, out)));

program
  .command('layers')
  .description("print the layers of a model aligned across frameworks on one device (or one framework across devices), then the advisor's advice")
  .argument('<modelId>')
  .addOption(new Option('--device <id>', 'every framework on this device').conflicts('framework'))
  .option('--framework <label>', 'this framework (as `farm compare` labels it) on every device')
  .option('--top <n>', 'only the n rows with the largest share', intIn(1, 100_000))
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((modelId: string, opts) =>
    run(async () => {
      if (!opts.device && !opts.framework) {
        process.stderr.write('error VALIDATION_FAILED: pass --device <id> or --framework <label>\n');
        return 2;
      }
      return layers(client(opts), modelId, opts, out);
    }),
  );

program
  .command('devices')
  .description(
    'list devices: platform, SoC, state (online, busy, cooling, offline, unauthorized), last temperature, battery, frameworks; EMULATED marks emulated devices',
  )
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => devices(client(opts), opts.json, out)));

program
  .command('models')
  .description('list models and their artifacts')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => models(client(opts), opts.json, out)));

const keys = program.command('keys').description('manage API keys (needs a key with admin scope in FARM_API_KEY or the keys file)');

keys
  .command('create')
  .description('create an API key; prints the key (once) on stdout')
  .requiredOption('--name <name>', 'what the key is for, e.g. "ci" or a person')
  .addOption(
    new Option('--scope <scope>', `a scope to grant (repeatable; one of ${API_KEY_SCOPES.join(', ')}; default read; any key may read)`).argParser(
      (v: string, prev: ApiKeyScope[] | undefined) => {
        if (!(API_KEY_SCOPES as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${API_KEY_SCOPES.join(', ')}`);
        return collect(v, prev) as ApiKeyScope[];
      },
    ),
  )
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => createKey(client(opts), opts.name, opts.scope ?? ['read'], opts.json, out, err)));

keys
  .command('list')
  .description('list API keys: id, prefix, scopes, state, name (never the keys themselves)')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => listKeys(client(opts), opts.json, out)));

keys
  .command('revoke')
  .description('revoke an API key by id; it stops working at once')
  .argument('<id>')
  .addOption(apiOption())
  .action((id: string, opts) => run(() => revokeKey(client(opts), id, out)));

const suites = program.command('suites').description('nightly suites: models, devices, frameworks and options re-run on a schedule against a baseline');

suites
  .command('create')
  .description('create a suite from a JSON file (a POST /suites body: name, spec, optional schedule { cron, timezone })')
  .argument('<file>')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((file: string, opts) => run(() => createSuite(client(opts), file, opts.json, out)));

suites
  .command('list')
  .description('list suites, their schedules and last nights')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => listSuites(client(opts), opts.json, out)));

suites
  .command('run')
  .description('run a suite now (by id or name): a night evaluated against its baseline when its runs end')
  .argument('<suite>')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((suite: string, opts) => run(() => runSuite(client(opts), suite, opts.json, out)));

const regressionsCmd = program
  .command('regressions')
  .description('list regressions found by suites (open ones by default): change, confirmation, likely cause, the layers that carry it')
  .addOption(new Option('--state <state>', 'only this state').choices(REGRESSION_STATES))
  .option('--suite <id>', 'only this suite')
  .option('--json', 'print JSON', false)
  .addOption(apiOption())
  .action((opts) => run(() => regressions(client(opts), opts, out)));

regressionsCmd
  .command('set')
  .description("set a regression's state (acknowledged, resolved, false_alarm, open)")
  .argument('<id>')
  .addArgument(new Argument('<state>').choices(SETTABLE_REGRESSION_STATES))
  .addOption(apiOption())
  .action((id: string, state: (typeof SETTABLE_REGRESSION_STATES)[number], opts) => run(() => setRegressionState(client(opts), id, state, out)));

await program.parseAsync();
