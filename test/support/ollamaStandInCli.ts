/**
 * Runs the Ollama stand-in as its own process, for CLI end-to-end tests and benchmarks:
 *
 *   node --import tsx test/support/ollamaStandInCli.ts [--port 0] [--latency 200] [--token-delay 20]
 *        [--parallel 2] [--failure http500] [--model llava:7b=completion,vision ...] [--ignore-stdin]
 *        [--load-ms 3000] [--max-loaded 1] [--prompt-token-ms 10] [--generate-token-ms 67] [--cpu-bound]
 *
 * Every flag can also come from the environment (flags win): OLLAMA_STANDIN_PORT, OLLAMA_STANDIN_LATENCY_MS,
 * OLLAMA_STANDIN_TOKEN_DELAY_MS, OLLAMA_STANDIN_PARALLEL, OLLAMA_STANDIN_FAILURE and OLLAMA_STANDIN_MODELS
 * ("name=cap,cap;name2").
 *
 * Once listening it prints one JSON line on stdout — {"url":"http://127.0.0.1:PORT","port":PORT,"pid":PID} —
 * and nothing else there. Its control API is on (GET /__standin/stats, POST /__standin/config), so the
 * parent can read counters and inject faults. It exits on SIGTERM or SIGINT, and when its stdin closes, so a
 * parent that dies without cleaning up does not leave it running; pass --ignore-stdin when stdin is not a
 * pipe the parent holds (e.g. /dev/null, which would close at once).
 */
import { parseArgs } from 'node:util';
import { startOllamaStandIn, type FailureMode, type OllamaStandIn, type OllamaStandInOptions, type StandInModelInput } from './ollamaStandIn';

const FAILURE_MODES: readonly FailureMode[] = ['none', 'http500', 'reset', 'slow', 'malformed', 'hang'];

/** "llava:7b=completion,vision" → a model with those capabilities; a bare name gets them inferred. */
function parseModel(spec: string): StandInModelInput {
  const [name, caps] = spec.split('=');
  return caps ? { name: name.trim(), capabilities: caps.split(',').map((c) => c.trim()).filter(Boolean) } : name.trim();
}

function parseNumber(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`${what} must be a non-negative number, got "${value}"`);
  return number;
}

function parseFailure(value: string | undefined): FailureMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (!FAILURE_MODES.includes(value as FailureMode)) throw new Error(`--failure must be one of ${FAILURE_MODES.join(', ')}, got "${value}"`);
  return value as FailureMode;
}

function optionsFrom(argv: string[], env: NodeJS.ProcessEnv): { options: OllamaStandInOptions; watchStdin: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      latency: { type: 'string' },
      'token-delay': { type: 'string' },
      parallel: { type: 'string' },
      failure: { type: 'string' },
      model: { type: 'string', multiple: true },
      'ignore-stdin': { type: 'boolean' },
      'load-ms': { type: 'string' },
      'max-loaded': { type: 'string' },
      'prompt-token-ms': { type: 'string' },
      'generate-token-ms': { type: 'string' },
      'cpu-bound': { type: 'boolean' },
    },
  });
  const modelSpecs = values.model ?? env.OLLAMA_STANDIN_MODELS?.split(';').filter((s) => s.trim() !== '');
  const failure = parseFailure(values.failure ?? env.OLLAMA_STANDIN_FAILURE);
  const options: OllamaStandInOptions = {
    port: parseNumber(values.port ?? env.OLLAMA_STANDIN_PORT, '--port') ?? 0,
    latencyMs: parseNumber(values.latency ?? env.OLLAMA_STANDIN_LATENCY_MS, '--latency'),
    tokenDelayMs: parseNumber(values['token-delay'] ?? env.OLLAMA_STANDIN_TOKEN_DELAY_MS, '--token-delay'),
    parallelism: parseNumber(values.parallel ?? env.OLLAMA_STANDIN_PARALLEL, '--parallel'),
    models: modelSpecs?.map(parseModel),
    loadMs: parseNumber(values['load-ms'], '--load-ms'),
    maxLoadedModels: parseNumber(values['max-loaded'], '--max-loaded'),
    promptTokenMs: parseNumber(values['prompt-token-ms'], '--prompt-token-ms'),
    generateTokenMs: parseNumber(values['generate-token-ms'], '--generate-token-ms'),
    cpuBound: values['cpu-bound'],
    failure,
    controlApi: true,
  };
  return { options, watchStdin: !values['ignore-stdin'] };
}

async function main(): Promise<void> {
  const { options, watchStdin } = optionsFrom(process.argv.slice(2), process.env);
  // Assigned once it has started; the signal handlers installed before then must see it.
  // eslint-disable-next-line prefer-const
  let standIn: OllamaStandIn | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (standIn?.close() ?? Promise.resolve()).then(() => process.exit(0));
  };
  // Handlers go in before the URL is printed: a parent may signal the moment it reads that line.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (watchStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.resume(); // stdin must be read for 'end' to fire
  }
  standIn = await startOllamaStandIn(options);
  if (stopping) return void standIn.close().then(() => process.exit(0));
  process.stdout.write(`${JSON.stringify({ url: standIn.url, port: standIn.port, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`ollama stand-in: ${(error as Error).message}\n`);
  process.exit(1);
});
