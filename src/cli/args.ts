import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, type ExportFormat } from '../core/exportRecords';
import type { LlmApi } from '../core/llmErrors';
import { MAX_SLOTS, parseHostSpec, type HostSpec } from '../core/llmHosts';
import { DEFAULT_MODEL } from '../core/ollama';
import { parseOcrLanguages } from '../processors/ocrLanguages';
import { isSummaryLanguage } from '../processors/summaryLanguage';
import type { OrganizeBy } from '../core/organize/plan';
import { DEFAULT_CONTEXT_TOKENS, MIN_CONTEXT_TOKENS } from '../processors/promptBudget';
import type { OrganizeRequest } from './organizeCommand';

/** `media-summarizer search …`: what to look for. */
export interface SearchRequest {
  /** Words or a description; absent with `similar` or `duplicates`. */
  query?: string;
  /** Files like this one. */
  similar?: string;
  /** Groups of files with the same content. */
  duplicates: boolean;
  limit: number;
}

export interface CliOptions {
  folder?: string;
  /** Set for `media-summarizer search …`; a run otherwise. */
  search?: SearchRequest;
  /** Set for `media-summarizer organize …`. */
  organize?: OrganizeRequest;
  /** `media-summarizer undo`: undo the last organize --apply. */
  undo: boolean;
  /** Embedding model for search by meaning: auto, none or a name. */
  embedModel: string;
  recursive: boolean;
  workers: number;
  ollamaHost: string;
  model: string;
  vision: string;
  cacheDir?: string;
  noCache: boolean;
  log: string | 'default' | false;
  json: boolean;
  /** The run's records on stdout as Markdown, CSV or JSON instead of the table. */
  format?: ExportFormat;
  requestTimeoutSeconds: number;
  ollamaSlots: number;
  llmApi: LlmApi;
  /** Hosts after the first (--ollama-host given more than once). */
  extraHosts: HostSpec[];
  contextTokens: number;
  refresh: boolean;
  ffmpegPath?: string;
  whisperCliPath?: string;
  whisperModel: string;
  language: string;
  /** tesseract's codes ("eng+deu"); undefined: English plus the locale's language when its data is here. */
  ocrLanguages?: string;
  /** "auto" (the material's language, else the locale's) or a tag such as "de". */
  summaryLanguage: string;
  frameIntervalSeconds: number;
  maxFrames: number;
  maxTranscribeMinutes?: number;
  downloadWhisperModel?: string;
  downloadOcrLanguages?: string[];
  /** A mirror of the npm registry for --download-ocr-lang. */
  ocrDownloadUrl?: string;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: media-summarizer [folder] [options]
       media-summarizer search QUERY [folder] [--limit N] [--json]
       media-summarizer search --similar FILE [folder]
       media-summarizer search --duplicates [folder]
       media-summarizer organize [folder] [--rename] [--by topic|month|kind] [--duplicates] [--pattern P]
                                 [--apply | --resume] [--json]
       media-summarizer undo [--json]

Summarizes the screenshots, photos, recordings and voice memos in a folder (default: your Desktop) locally with
OCR, whisper and Ollama; search finds them by any word read from them (OCR text, transcripts, summaries, names)
and, with an embedding model in Ollama, by meaning.

Options:
  --recursive              Include sub-folders (default: top level only)
  --workers N              Worker processes at most, 1-64 (default: 8; as many as the cores first, more only
                           while cores sit idle; never more than the files need)
  --ollama-host URL[,slots=N]  Ollama server (default: $OLLAMA_HOST or http://127.0.0.1:11434); give it again
                           for more servers: each request goes to a free slot on one that has its model
  --ollama-slots N         Requests a server answers at once, like its OLLAMA_NUM_PARALLEL (default: 1)
  --llm-api ollama|openai  The servers' API (default: ollama); openai for LM Studio, llama.cpp's llama-server,
                           vLLM or LocalAI (--ollama-host then names its base, e.g. http://127.0.0.1:1234/v1)
  --context-tokens N       Context size (num_ctx) of every request, 2048-131072 (default: 8192); prompts fit it
  --model NAME             Summary model (default: ${DEFAULT_MODEL})
  --vision-model NAME|none Model that describes images; default: auto-detect a vision-capable model
  --cache-dir DIR          Cache directory (default: a per-user cache directory)
  --no-cache               Neither read nor write the cache
  --refresh                Ignore cached summaries and make them again (OCR stays cached)
  --request-timeout SECS   Bound on Ollama's first answer to a request (default: 600)
  --ffmpeg PATH            ffmpeg to use (default: ffmpeg-static if installed, else ffmpeg on PATH)
  --whisper-model NAME|PATH  Speech model (default: base.en), looked up in <cache-dir>/models
  --whisper-cli PATH       An existing whisper-cli (default: built once from the bundled whisper.cpp)
  --language CODE|auto     Spoken language for transcripts (default: auto)
  --frame-interval SECS    Seconds between video frames read for on-screen text (default: 5)
  --max-frames N           At most this many frames per video (default: 20)
  --max-transcribe-minutes N  Transcribe at most the first N minutes of a recording (default: all)
  --download-whisper-model NAME  Download a whisper model into <cache-dir>/models and exit
  --ocr-lang L1+L2         OCR languages in tesseract's codes (default: eng, plus your locale's language when
                           its data is installed), e.g. eng+deu, eng+jpn, eng+chi_sim
  --download-ocr-lang L1+L2  Download OCR languages into <cache-dir>/ocr-data and exit
  --ocr-download-url URL   A mirror of the npm registry for OCR data (default: https://registry.npmjs.org)
  --summary-lang CODE|auto  Language of summaries, titles and tags (default: auto — the file's language, else
                           your locale's), e.g. de, fr, ja
  --log FILE               Write the summary log here (default: media_summaries_<time>.txt in the folder)
  --no-log                 Write no log file
  --json                   One JSON object per file on stdout (NDJSON), then a {"type":"run"} line; for search,
                           one per result
  --format md|csv|json     The summaries on stdout as Markdown, CSV or a JSON array instead of the table (the log
                           is written as usual), e.g. --format csv > summaries.csv
  --embed-model NAME|none  Embedding model for search by meaning (default: auto, an installed one)
  --limit N                Search results at most, 1-1000 (default: 20)
  --similar FILE           Search: the files most like FILE
  --duplicates             Search: files with the same content under several names; organize: put the
                           copies in the trash (the oldest stays)
  --rename                 Organize: name summarized files by --pattern (names someone chose stay)
  --pattern P              Organize: {date} {time} {title} {kind} {original} (default: "{date} {title}")
  --by topic|month|kind    Organize: file into a folder per first tag, month (2025-05) or kind
  --apply                  Organize: do it (without it, a dry run shows the plan); undo it with undo
  --resume                 Organize: finish an apply that was interrupted
  -h, --help               Show this help
  --version                Show the version

Exit codes: 0 the run completed (even if some files failed), 1 it could not run, 2 bad usage.`;

export class UsageError extends Error {}

/** The first --ollama-host (else OLLAMA_HOST) with its slots, and any further ones. */
function ollamaHosts(flags: string[] | undefined, slots: number, api: LlmApi, env: NodeJS.ProcessEnv): Pick<CliOptions, 'ollamaHost' | 'ollamaSlots' | 'extraHosts'> {
  const specs = flags?.length ? flags : [env.OLLAMA_HOST || 'http://127.0.0.1:11434'];
  try {
    const [first, ...more] = specs.map((spec) => parseHostSpec(spec, slots, api));
    return { ollamaHost: first.url, ollamaSlots: first.slots, extraHosts: more };
  } catch (error) {
    throw new UsageError(`${flags?.length ? '--ollama-host' : 'OLLAMA_HOST'} ${(error as Error).message}`);
  }
}

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
        'ollama-host': { type: 'string', multiple: true },
        'ollama-slots': { type: 'string' },
        'context-tokens': { type: 'string' },
        'llm-api': { type: 'string' },
        model: { type: 'string' },
        'vision-model': { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        refresh: { type: 'boolean', default: false },
        'request-timeout': { type: 'string' },
        log: { type: 'string' },
        'no-log': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ffmpeg: { type: 'string' },
        'whisper-cli': { type: 'string' },
        'whisper-model': { type: 'string' },
        language: { type: 'string' },
        'frame-interval': { type: 'string' },
        'max-frames': { type: 'string' },
        'max-transcribe-minutes': { type: 'string' },
        'download-whisper-model': { type: 'string' },
        'ocr-lang': { type: 'string' },
        'summary-lang': { type: 'string' },
        'download-ocr-lang': { type: 'string' },
        'ocr-download-url': { type: 'string' },
        'embed-model': { type: 'string' },
        format: { type: 'string' },
        limit: { type: 'string' },
        similar: { type: 'string' },
        duplicates: { type: 'boolean', default: false },
        rename: { type: 'boolean', default: false },
        pattern: { type: 'string' },
        by: { type: 'string' },
        apply: { type: 'boolean', default: false },
        resume: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const searching = parsed.positionals[0] === 'search';
  const organizing = parsed.positionals[0] === 'organize';
  const undo = parsed.positionals[0] === 'undo';
  const search = searching ? searchRequest(parsed.positionals.slice(1), values) : undefined;
  const organize = organizing ? organizeRequest(values) : undefined;
  if (!searching && (values.limit !== undefined || values.similar !== undefined)) throw new UsageError('--limit and --similar belong to `media-summarizer search`.');
  if (!searching && !organizing && values.duplicates) throw new UsageError('--duplicates belongs to `media-summarizer search` and `media-summarizer organize`.');
  if (!organizing && (values.rename || values.pattern !== undefined || values.by !== undefined || values.apply || values.resume)) {
    throw new UsageError('--rename, --pattern, --by, --apply and --resume belong to `media-summarizer organize`.');
  }
  if (undo && parsed.positionals.length > 1) throw new UsageError('undo takes no folder: it undoes the last organize --apply.');
  // A search's query comes first; what follows is the folder, as for a run.
  const positionals = searching ? parsed.positionals.slice(search?.query === undefined ? 1 : 2) : organizing || undo ? parsed.positionals.slice(1) : parsed.positionals;
  const llmApi = oneOfOption('--llm-api', values['llm-api'], ['ollama', 'openai'] as const, 'ollama');
  if (positionals.length > 1) throw new UsageError(`Expected at most one folder, got ${positionals.length}: ${positionals.join(', ')}`);
  if (values.log !== undefined && values['no-log']) throw new UsageError('--log and --no-log cannot be used together.');
  if (values['cache-dir'] !== undefined && values['no-cache']) throw new UsageError('--cache-dir and --no-cache cannot be used together.');
  if (values.format !== undefined && (values.json || searching)) throw new UsageError('--format is for a run\'s summaries, without --json (which streams NDJSON) and not with search.');
  return {
    folder: positionals[0],
    ...(search ? { search } : {}),
    ...(organize ? { organize } : {}),
    undo,
    embedModel: nonEmpty('--embed-model', values['embed-model']) ?? 'auto',
    recursive: values.recursive,
    workers: integerOption('--workers', values.workers, 8, 1, 64),
    ...ollamaHosts(values['ollama-host'], integerOption('--ollama-slots', values['ollama-slots'], 1, 1, MAX_SLOTS), llmApi, env),
    llmApi,
    contextTokens: integerOption('--context-tokens', values['context-tokens'], DEFAULT_CONTEXT_TOKENS, MIN_CONTEXT_TOKENS, 131_072),
    model: nonEmpty('--model', values.model) ?? DEFAULT_MODEL,
    vision: nonEmpty('--vision-model', values['vision-model']) ?? 'auto',
    cacheDir: values['cache-dir'],
    noCache: values['no-cache'],
    refresh: values.refresh,
    requestTimeoutSeconds: integerOption('--request-timeout', values['request-timeout'], 600, 1, 86_400),
    log: values['no-log'] ? false : (values.log ?? 'default'),
    ffmpegPath: nonEmpty('--ffmpeg', values.ffmpeg),
    whisperCliPath: nonEmpty('--whisper-cli', values['whisper-cli']),
    whisperModel: nonEmpty('--whisper-model', values['whisper-model']) ?? 'base.en',
    language: languageOption(values.language),
    frameIntervalSeconds: integerOption('--frame-interval', values['frame-interval'], 5, 1, 3600),
    maxFrames: integerOption('--max-frames', values['max-frames'], 20, 1, 500),
    maxTranscribeMinutes: values['max-transcribe-minutes'] === undefined ? undefined : integerOption('--max-transcribe-minutes', values['max-transcribe-minutes'], 0, 1, 100_000),
    downloadWhisperModel: nonEmpty('--download-whisper-model', values['download-whisper-model']),
    ...ocrOptions(values['ocr-lang'], values['download-ocr-lang'], values['ocr-download-url']),
    summaryLanguage: summaryLanguageOption(values['summary-lang']),
    json: values.json,
    ...(values.format !== undefined ? { format: oneOfOption('--format', values.format, EXPORT_FORMATS, 'md') } : {}),
    help: values.help,
    version: values.version,
  };
}

function searchRequest(rest: string[], values: { limit?: string; similar?: string; duplicates: boolean }): SearchRequest {
  const limit = integerOption('--limit', values.limit, 20, 1, 1000);
  const similar = nonEmpty('--similar', values.similar);
  if (similar !== undefined || values.duplicates) {
    if (similar !== undefined && values.duplicates) throw new UsageError('--similar and --duplicates cannot be used together.');
    return { similar, duplicates: values.duplicates, limit };
  }
  const query = rest[0]?.trim();
  if (!query) throw new UsageError('search needs a query: media-summarizer search "words to find" [folder]');
  return { query, duplicates: false, limit };
}

function organizeRequest(values: { rename: boolean; pattern?: string; by?: string; duplicates: boolean; apply: boolean; resume: boolean }): OrganizeRequest {
  if (values.apply && values.resume) throw new UsageError('--apply and --resume cannot be used together: --resume finishes the apply that was interrupted.');
  const by = values.by === undefined ? undefined : oneOfOption<OrganizeBy>('--by', values.by, ['topic', 'month', 'kind'], 'month');
  if (!values.resume && !values.rename && by === undefined && !values.duplicates) throw new UsageError('organize needs something to do: --rename, --by topic|month|kind and/or --duplicates.');
  const pattern = nonEmpty('--pattern', values.pattern);
  if (pattern !== undefined && !values.rename) throw new UsageError('--pattern is for --rename.');
  if (pattern !== undefined && !/\{(date|time|title|kind|original)\}/.test(pattern)) throw new UsageError('--pattern needs at least one of {date} {time} {title} {kind} {original}.');
  return { rename: values.rename, ...(pattern !== undefined ? { pattern } : {}), ...(by ? { by } : {}), duplicates: values.duplicates, apply: values.apply, resume: values.resume };
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return value;
}

function ocrOptions(lang: string | undefined, download: string | undefined, mirror: string | undefined): Pick<CliOptions, 'ocrLanguages' | 'downloadOcrLanguages' | 'ocrDownloadUrl'> {
  const codes = (name: string, raw: string) => {
    try {
      return parseOcrLanguages(raw);
    } catch {
      throw new UsageError(`${name} takes tesseract's language codes joined with "+", such as eng+deu, got "${raw}".`);
    }
  };
  return {
    ...(lang !== undefined ? { ocrLanguages: codes('--ocr-lang', lang).join('+') } : {}),
    ...(download !== undefined ? { downloadOcrLanguages: codes('--download-ocr-lang', download) } : {}),
    ...(mirror !== undefined ? { ocrDownloadUrl: nonEmpty('--ocr-download-url', mirror) } : {}),
  };
}

function summaryLanguageOption(raw: string | undefined): string {
  const value = raw?.trim().toLowerCase() ?? 'auto';
  if (!isSummaryLanguage(value)) throw new UsageError(`--summary-lang takes "auto" or a language code such as "de" or "pt-br", got "${raw}".`);
  return value;
}

function languageOption(raw: string | undefined): string {
  if (raw === undefined) return 'auto';
  const value = raw.trim().toLowerCase();
  if (value !== 'auto' && !/^[a-z]{2,3}$/.test(value)) throw new UsageError(`--language takes "auto" or a language code such as "en" or "de", got "${raw}".`);
  return value;
}

function nonEmpty(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!raw.trim()) throw new UsageError(`${name} needs a value.`);
  return raw.trim();
}

function oneOfOption<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes ${allowed.join(' or ')}, not "${value}".`);
}
