import { parseArgs } from 'node:util';
import { DEFAULT_MODEL } from '../core/ollama';

export interface CliOptions {
  folder?: string;
  recursive: boolean;
  workers: number;
  ollamaHost: string;
  model: string;
  vision: string;
  cacheDir?: string;
  noCache: boolean;
  log: string | 'default' | false;
  json: boolean;
  requestTimeoutSeconds: number;
  refresh: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: media-summarizer [folder] [options]

Summarizes the screenshots and photos in a folder (default: your Desktop) locally with OCR and Ollama.

Options:
  --recursive              Include sub-folders (default: top level only)
  --workers N              Worker processes, 1-64 (default: 8; never more than files to do)
  --ollama-host URL        Ollama server (default: $OLLAMA_HOST or http://127.0.0.1:11434)
  --model NAME             Summary model (default: ${DEFAULT_MODEL})
  --vision-model NAME|none Model that describes images; default: auto-detect a vision-capable model
  --cache-dir DIR          Cache directory (default: a per-user cache directory)
  --no-cache               Neither read nor write the cache
  --refresh                Ignore cached summaries and make them again (OCR stays cached)
  --request-timeout SECS   Bound on one Ollama request (default: 600)
  --log FILE               Write the summary log here (default: media_summaries_<time>.txt in the folder)
  --no-log                 Write no log file
  --json                   One JSON object per file on stdout (NDJSON), then a {"type":"run"} line
  -h, --help               Show this help
  --version                Show the version

Exit codes: 0 the run completed (even if some files failed), 1 it could not run, 2 bad usage.`;

export class UsageError extends Error {}

export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        recursive: { type: 'boolean', default: false },
        workers: { type: 'string' },
        'ollama-host': { type: 'string' },
        model: { type: 'string' },
        'vision-model': { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        refresh: { type: 'boolean', default: false },
        'request-timeout': { type: 'string' },
        log: { type: 'string' },
        'no-log': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`Expected at most one folder, got ${positionals.length}: ${positionals.join(', ')}`);
  if (values.log !== undefined && values['no-log']) throw new UsageError('--log and --no-log cannot be used together.');
  if (values['cache-dir'] !== undefined && values['no-cache']) throw new UsageError('--cache-dir and --no-cache cannot be used together.');
  return {
    folder: positionals[0],
    recursive: values.recursive,
    workers: integerOption('--workers', values.workers, 8, 1, 64),
    ollamaHost: values['ollama-host'] ?? (env.OLLAMA_HOST || 'http://127.0.0.1:11434'),
    model: nonEmpty('--model', values.model) ?? DEFAULT_MODEL,
    vision: nonEmpty('--vision-model', values['vision-model']) ?? 'auto',
    cacheDir: values['cache-dir'],
    noCache: values['no-cache'],
    refresh: values.refresh,
    requestTimeoutSeconds: integerOption('--request-timeout', values['request-timeout'], 600, 1, 86_400),
    log: values['no-log'] ? false : (values.log ?? 'default'),
    json: values.json,
    help: values.help,
    version: values.version,
  };
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return value;
}

function nonEmpty(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!raw.trim()) throw new UsageError(`${name} needs a value.`);
  return raw.trim();
}
