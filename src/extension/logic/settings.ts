/**
 * The extension's settings (`mediaSummarizer.*`), read through a plain getter so the mapping to engine options is
 * tested without VS Code. SETTING_DEFAULTS must equal the defaults in package.json (checked by a test).
 */
import path from 'node:path';
import type { EngineOptions } from '../../core/engine';
import type { LookupOptions } from '../../core/lookup';
import { defaultOcrLanguages, parseOcrLanguages } from '../../processors/ocrLanguages';
import { isSummaryLanguage, primaryLanguage } from '../../processors/summaryLanguage';
import { DEFAULT_MODEL, DEFAULT_OLLAMA_HOST } from '../../core/ollama';
import type { LlmApi } from '../../core/llmErrors';
import { MAX_SLOTS, normalizeHostFor, parseHostSpec, type HostSpec } from '../../core/llmHosts';
import { MIN_CONTEXT_TOKENS } from '../../processors/promptBudget';
import { whisperModelsDir } from '../../processors/whisper/models';
import type { GroupBy } from './grouping';
import type { LabelBy, SortBy } from './presentation';
import { extensionWording } from './wording';

export type CacheLocation = 'global' | 'workspace';
export type LogLocation = 'scannedFolder' | 'storage' | 'none';

/** Keys under `mediaSummarizer.` with their defaults, exactly as contributed in package.json. */
export const SETTING_DEFAULTS = {
  'ollama.host': '',
  model: DEFAULT_MODEL,
  visionModel: 'auto',
  'search.embeddingModel': 'auto',
  'whisper.model': 'base.en',
  'whisper.cliPath': '',
  'whisper.downloadBaseUrl': '',
  'whisper.language': 'auto',
  'ocr.languages': '',
  'ocr.downloadBaseUrl': '',
  summaryLanguage: 'auto',
  ffmpegPath: '',
  workers: 8,
  'ollama.slots': 1,
  'ollama.moreHosts': [] as string[],
  llmApi: 'ollama' as LlmApi,
  'ollama.contextTokens': 8192,
  'cache.location': 'global' as CacheLocation,
  frameInterval: 5,
  maxFrames: 20,
  maxTranscribeMinutes: 0,
  recursive: false,
  include: [] as string[],
  exclude: [] as string[],
  'log.location': 'storage' as LogLocation,
  requestTimeout: 600,
  autoSummarize: false,
  'view.label': 'title' as LabelBy,
  'view.sortBy': 'name' as SortBy,
  'view.groupBy': 'none' as GroupBy,
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

/**
 * Settings that name a program, the host media content is sent to, or where a model file (run by whisper-cli) is
 * downloaded from: machine-scoped, ignored in untrusted workspaces.
 */
export const MACHINE_SETTINGS: readonly SettingKey[] = ['ollama.host', 'ollama.moreHosts', 'llmApi', 'ffmpegPath', 'whisper.cliPath', 'whisper.downloadBaseUrl', 'ocr.downloadBaseUrl'];

export interface ExtensionSettings {
  /** The normalized Ollama URL. */
  ollamaHost: string;
  model: string;
  vision: string;
  /** Embedding model for search by meaning: auto, none or a name. */
  embedModel: string;
  whisperModel: string;
  whisperCliPath?: string;
  /** A mirror of the whisper.cpp models folder; undefined downloads from Hugging Face. */
  whisperDownloadBaseUrl?: string;
  ffmpegPath?: string;
  language: string;
  /** tesseract's OCR languages ("eng+deu") as set; undefined: English plus the display language's when installed. */
  ocrLanguages?: string;
  /** A mirror of the npm registry for Download OCR Language…; undefined: registry.npmjs.org. */
  ocrDownloadBaseUrl?: string;
  /** "auto" (each file's language, else the display language) or a tag such as "de". */
  summaryLanguage: string;
  /** VS Code's display language (vscode.env.language), for the default OCR and summary languages. */
  displayLanguage: string;
  workers: number;
  ollamaSlots: number;
  /** Hosts beside `ollamaHost`, each with its slots. */
  moreHosts: HostSpec[];
  llmApi: LlmApi;
  contextTokens: number;
  cacheLocation: CacheLocation;
  frameIntervalSeconds: number;
  maxFrames: number;
  maxTranscribeMinutes?: number;
  recursive: boolean;
  include: string[];
  exclude: string[];
  logLocation: LogLocation;
  requestTimeoutSeconds: number;
  /** Summarize media that land in a folder of the view as they arrive. */
  autoSummarize: boolean;
  /** How the view labels and orders its files. */
  viewLabel: LabelBy;
  viewSortBy: SortBy;
  viewGroupBy: GroupBy;
}

export interface SettingsResult {
  settings: ExtensionSettings;
  /** Values that were invalid and replaced by their default, as messages for the log. */
  problems: string[];
}

/** Reads and validates the settings; `get` returns the effective value of `mediaSummarizer.<key>`. */
export function readSettings(get: (key: SettingKey) => unknown, env: NodeJS.ProcessEnv = process.env, displayLanguage = 'en'): SettingsResult {
  const problems: string[] = [];
  const text = (key: SettingKey): string => {
    const value = get(key);
    if (value === undefined || value === null) return String(SETTING_DEFAULTS[key]);
    if (typeof value !== 'string') {
      problems.push(`mediaSummarizer.${key} must be a string; using "${String(SETTING_DEFAULTS[key])}".`);
      return String(SETTING_DEFAULTS[key]);
    }
    return value.trim();
  };
  const nonEmpty = (key: SettingKey): string => text(key) || String(SETTING_DEFAULTS[key]);
  const optional = (key: SettingKey): string | undefined => text(key) || undefined;
  const integer = (key: SettingKey, min: number, max: number): number => {
    const value = get(key);
    const fallback = SETTING_DEFAULTS[key] as number;
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`mediaSummarizer.${key} must be a number; using ${fallback}.`);
      return fallback;
    }
    const clamped = Math.min(max, Math.max(min, Math.round(value)));
    if (clamped !== value) problems.push(`mediaSummarizer.${key} must be a whole number from ${min} to ${max}; using ${clamped}.`);
    return clamped;
  };
  const list = (key: SettingKey, what = 'glob patterns'): string[] => {
    const value = get(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      problems.push(`mediaSummarizer.${key} must be a list of ${what}; ignoring it.`);
      return [];
    }
    return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
  };
  const oneOf = <T extends string>(key: SettingKey, allowed: readonly T[]): T => {
    const value = get(key);
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    if (value !== undefined && value !== null) problems.push(`mediaSummarizer.${key} must be one of ${allowed.join(', ')}; using ${String(SETTING_DEFAULTS[key])}.`);
    return SETTING_DEFAULTS[key] as T;
  };

  const llmApi = oneOf('llmApi', ['ollama', 'openai'] as const);
  const configuredHost = text('ollama.host') || env.OLLAMA_HOST?.trim() || DEFAULT_OLLAMA_HOST;
  let ollamaHost: string;
  try {
    ollamaHost = normalizeHostFor(llmApi, configuredHost);
  } catch {
    problems.push(`mediaSummarizer.ollama.host "${configuredHost}" is not a URL; using ${DEFAULT_OLLAMA_HOST}.`);
    ollamaHost = DEFAULT_OLLAMA_HOST;
  }
  let language = nonEmpty('whisper.language').toLowerCase();
  if (language !== 'auto' && !/^[a-z]{2,3}$/.test(language)) {
    problems.push(`mediaSummarizer.whisper.language takes "auto" or a language code such as "en"; using auto.`);
    language = 'auto';
  }
  const maxTranscribeMinutes = integer('maxTranscribeMinutes', 0, 100_000);
  const ollamaSlots = integer('ollama.slots', 1, MAX_SLOTS);
  let whisperDownloadBaseUrl = optional('whisper.downloadBaseUrl');
  if (whisperDownloadBaseUrl !== undefined && !isHttpUrl(whisperDownloadBaseUrl)) {
    problems.push(`mediaSummarizer.whisper.downloadBaseUrl "${whisperDownloadBaseUrl}" is not an http(s) URL; downloading whisper models from Hugging Face.`);
    whisperDownloadBaseUrl = undefined;
  }

  let ocrLanguages = optional('ocr.languages');
  if (ocrLanguages !== undefined) {
    try {
      ocrLanguages = parseOcrLanguages(ocrLanguages).join('+');
    } catch {
      problems.push(`mediaSummarizer.ocr.languages "${ocrLanguages}" is not tesseract's codes joined with "+" (such as eng+deu); using the default.`);
      ocrLanguages = undefined;
    }
  }
  let summaryLanguage = nonEmpty('summaryLanguage').toLowerCase();
  if (!isSummaryLanguage(summaryLanguage)) {
    problems.push(`mediaSummarizer.summaryLanguage takes "auto" or a language code such as "de"; using auto.`);
    summaryLanguage = 'auto';
  }
  let ocrDownloadBaseUrl = optional('ocr.downloadBaseUrl');
  if (ocrDownloadBaseUrl !== undefined && !isHttpUrl(ocrDownloadBaseUrl)) {
    problems.push(`mediaSummarizer.ocr.downloadBaseUrl "${ocrDownloadBaseUrl}" is not an http(s) URL; downloading OCR languages from the npm registry.`);
    ocrDownloadBaseUrl = undefined;
  }

  return {
    settings: {
      ollamaHost,
      model: nonEmpty('model'),
      vision: nonEmpty('visionModel'),
      embedModel: nonEmpty('search.embeddingModel'),
      whisperModel: nonEmpty('whisper.model'),
      whisperCliPath: optional('whisper.cliPath'),
      whisperDownloadBaseUrl,
      ffmpegPath: optional('ffmpegPath'),
      language,
      ocrLanguages,
      ocrDownloadBaseUrl,
      summaryLanguage,
      displayLanguage,
      workers: integer('workers', 1, 64),
      ollamaSlots,
      llmApi,
      moreHosts: list('ollama.moreHosts', 'Ollama URLs').flatMap((spec) => {
        try {
          return [parseHostSpec(spec, ollamaSlots, llmApi)];
        } catch (error) {
          problems.push(`mediaSummarizer.ollama.moreHosts: ${(error as Error).message}; leaving it out.`);
          return [];
        }
      }),
      contextTokens: integer('ollama.contextTokens', MIN_CONTEXT_TOKENS, 131_072),
      cacheLocation: oneOf('cache.location', ['global', 'workspace'] as const),
      frameIntervalSeconds: integer('frameInterval', 1, 3600),
      maxFrames: integer('maxFrames', 1, 500),
      maxTranscribeMinutes: maxTranscribeMinutes > 0 ? maxTranscribeMinutes : undefined,
      recursive: get('recursive') === true,
      include: list('include'),
      exclude: list('exclude'),
      logLocation: oneOf('log.location', ['scannedFolder', 'storage', 'none'] as const),
      requestTimeoutSeconds: integer('requestTimeout', 1, 86_400),
      autoSummarize: get('autoSummarize') === true,
      viewLabel: oneOf('view.label', ['title', 'fileName'] as const),
      viewSortBy: oneOf('view.sortBy', ['name', 'date', 'kind'] as const),
      viewGroupBy: oneOf('view.groupBy', ['none', 'kind', 'tag'] as const),
    },
    problems,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Where the extension keeps things: from ExtensionContext (extensionPath, globalStorageUri, storageUri). */
export interface StoragePaths {
  extensionPath: string;
  globalStorage: string;
  /** Undefined when no folder or workspace is open. */
  workspaceStorage?: string;
}

export interface ResolvedPaths {
  workerScript: string;
  /** The result cache. */
  cacheDir: string;
  /** Whisper models (`<dataDir>/models`) and the whisper-cli build: per machine, shared by all workspaces. */
  dataDir: string;
  modelsDir: string;
  /** Where logs go with log.location "storage". */
  logsDir: string;
  /** Set when the workspace cache was asked for but no workspace is open. */
  note?: string;
}

export function resolvePaths(settings: Pick<ExtensionSettings, 'cacheLocation'>, storage: StoragePaths): ResolvedPaths {
  const useWorkspace = settings.cacheLocation === 'workspace' && storage.workspaceStorage !== undefined;
  const base = useWorkspace ? storage.workspaceStorage! : storage.globalStorage;
  return {
    workerScript: path.join(storage.extensionPath, 'dist', 'worker.js'),
    cacheDir: path.join(base, 'cache'),
    dataDir: storage.globalStorage,
    modelsDir: whisperModelsDir(storage.globalStorage),
    logsDir: path.join(base, 'logs'),
    note:
      settings.cacheLocation === 'workspace' && !useWorkspace
        ? 'mediaSummarizer.cache.location is "workspace" but no folder is open: using the global cache.'
        : undefined,
  };
}

/** The engine options (without folder, signal and event handler) for the current settings. */
export function engineOptions(settings: ExtensionSettings, paths: ResolvedPaths): Omit<EngineOptions, 'signal' | 'onEvent'> {
  return {
    ollamaHost: settings.ollamaHost,
    model: settings.model,
    vision: settings.vision,
    embedModel: settings.embedModel,
    workers: settings.workers,
    llmSlots: settings.ollamaSlots,
    extraHosts: settings.moreHosts,
    llmApi: settings.llmApi,
    contextTokens: settings.contextTokens,
    cacheDir: paths.cacheDir,
    requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
    media: {
      ffmpegPath: settings.ffmpegPath,
      whisperCliPath: settings.whisperCliPath,
      whisperModel: settings.whisperModel,
      dataDir: paths.dataDir,
      language: settings.language,
      ocrLanguages: settings.ocrLanguages ?? defaultOcrLanguages(settings.displayLanguage, paths.dataDir),
      summaryLanguage: settings.summaryLanguage,
      fallbackLanguage: primaryLanguage(settings.displayLanguage),
      maxTranscribeSeconds: settings.maxTranscribeMinutes === undefined ? undefined : settings.maxTranscribeMinutes * 60,
      frameIntervalSeconds: settings.frameIntervalSeconds,
      maxFrames: settings.maxFrames,
    },
    workerScript: paths.workerScript,
    wording: extensionWording,
  };
}

/** What the listing after a restart needs to find the engine's records in the cache. */
export function lookupOptions(settings: ExtensionSettings, paths: ResolvedPaths): LookupOptions {
  return { cacheDir: paths.cacheDir, ollamaHost: settings.ollamaHost, model: settings.model, vision: settings.vision, media: engineOptions(settings, paths).media };
}

/**
 * True for an Ollama URL on this machine (loopback names and addresses). Anything else receives OCR text,
 * transcripts and images, so the user is asked once before it is used.
 */
export function isLocalHost(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  hostname = hostname.replace(/^\[|\]$/g, '');
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname === '::1' || hostname === '0:0:0:0:0:0:0:1' || hostname === '::' || hostname === '0.0.0.0') return true;
  if (/^::ffff:127\./.test(hostname) || /^::ffff:7f/.test(hostname)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
