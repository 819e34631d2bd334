/**
 * The setup checklist: everything a run may need, looked at once and side by side — the LLM server (installed,
 * running), the summary model, a vision model, an embedding model, ffmpeg, the whisper model and whisper-cli —
 * each with its state, what it means and the actions that fix it. The Check Setup command, the status item, the
 * walkthrough and the one notification before a run all show this list. No `vscode` import.
 */
import { preflight } from '../../core/preflight';
import { problemOf, type Problem } from '../../core/problems';
import { findEmbeddingModel, SUGGESTED_EMBEDDING_MODEL } from '../../core/search/embeddings';
import { findOnPath, resolveFfmpeg } from '../../processors/media/ffmpeg';
import { readyWhisperCli, validateWhisperCli } from '../../processors/whisper/build';
import { resolveWhisperModel } from '../../processors/whisper/models';
import { whisperBuildDir } from '../../processors/whisper/source';
import { findBuildTools } from '../../processors/whisper/tools';
import type { ExtensionSettings, ResolvedPaths, SettingKey } from './settings';
import { engineOptions, isLocalHost } from './settings';
import { extensionWording, fixActions } from './wording';

export type SetupItemId = 'llm' | 'model' | 'visionModel' | 'embeddingModel' | 'ffmpeg' | 'whisperModel' | 'whisperCli';

/**
 * ok: ready; missing: something a kind of file needs is not there; optional: not there, and files are still
 * summarized without it (vision, search by meaning); unknown: not looked at (it waits on another item, or on
 * consent for a host not on this machine).
 */
export type SetupState = 'ok' | 'missing' | 'optional' | 'unknown';

export type SetupAction =
  /** Look again (in a notification before a run: run again). */
  | { kind: 'retry'; label: string }
  | { kind: 'openUrl'; label: string; url: string }
  | { kind: 'pullModel'; label: string; model: string }
  | { kind: 'selectModel'; label: string }
  | { kind: 'downloadWhisperModel'; label: string; model: string }
  | { kind: 'buildWhisperCli'; label: string }
  | { kind: 'setting'; label: string; key: SettingKey };

export interface SetupItem {
  id: SetupItemId;
  title: string;
  state: SetupState;
  /** One line: what was found, or what is missing and what that means for the user's files. */
  detail: string;
  actions: SetupAction[];
  /** The problem behind a missing item (its code decides which run warnings it already covers). */
  problem?: Problem;
}

/** Ollama's download page: the one link for someone who never installed it. */
export const OLLAMA_DOWNLOAD_URL = 'https://ollama.com/download';
/** A vision model suggested when none is installed (small enough for a laptop). */
export const SUGGESTED_VISION_MODEL = 'llava:7b';

/** What the checks need to know. `mayContact`: whether the host may be asked (local, or agreed to). */
export interface SetupCheckInput {
  settings: ExtensionSettings;
  paths: ResolvedPaths;
  mayContact: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Every item, in the order a new user sets them up; the checks run at once, bounded by the preflight's 10 s. */
export async function checkSetup(input: SetupCheckInput): Promise<SetupItem[]> {
  const [llm, tools] = await Promise.all([checkLlm(input), checkMediaTools(input)]);
  return [...llm, ...tools];
}

/** The items that stop a run's files from being summarized in full: the ones the status item and the run's notification count. */
export function blockingItems(items: readonly SetupItem[], needsMediaTools: boolean): SetupItem[] {
  const media: ReadonlySet<SetupItemId> = new Set(['ffmpeg', 'whisperModel', 'whisperCli']);
  return items.filter((item) => item.state === 'missing' && (needsMediaTools || !media.has(item.id)));
}

/**
 * Problems the checklist finds before a run (what the engine's preflight and its recordings without speech warn
 * of too): a run's own warning toast leaves them to the one setup notification.
 */
const SETUP_CODES: ReadonlySet<string> = new Set([
  'ollama-unreachable',
  'ollama-timeout',
  'ollama-http',
  'ollama-failed',
  'ollama-malformed',
  'ollama-reset',
  'model-missing',
  'vision-model-missing',
  'ffmpeg-missing',
  'cli-missing',
  'tools-missing',
  'model-unknown',
]);

export function isSetupProblem(problem: Problem): boolean {
  return SETUP_CODES.has(problem.code);
}

async function checkLlm({ settings, mayContact, env = process.env }: SetupCheckInput): Promise<SetupItem[]> {
  const host = settings.ollamaHost;
  const openai = settings.llmApi === 'openai';
  const server = openai ? 'LLM server' : 'Ollama';
  const hostSetting: SetupAction = { kind: 'setting', label: 'Change Host', key: 'ollama.host' };
  const waiting = (why: string): SetupItem[] => [
    { id: 'model', title: `Summary model ${settings.model}`, state: 'unknown', detail: why, actions: [] },
    { id: 'visionModel', title: 'Vision model', state: 'unknown', detail: why, actions: [] },
    { id: 'embeddingModel', title: 'Embedding model', state: 'unknown', detail: why, actions: [] },
  ];
  if (!mayContact) {
    const why = `${host} is not on this machine: it is asked only after you agree, on the first run`;
    return [{ id: 'llm', title: `${server} at ${host}`, state: 'unknown', detail: why, actions: [hostSetting] }, ...waiting('not checked yet')];
  }
  const [check, embedding] = await Promise.all([
    preflight(host, settings.model, settings.vision, settings.llmApi),
    openai ? Promise.resolve(undefined) : findEmbeddingModel(host, settings.embedModel),
  ]);
  const unreachable = check.reason && check.reason.code !== 'model-missing';
  if (unreachable) {
    // Never installed is the first-time user's case: the link to install it comes first.
    const installed = openai || !isLocalHost(host) || (await findOnPath('ollama', env)) !== undefined;
    const detail = installed ? extensionWording(check.reason!) : `Ollama is not installed on this machine — install it, then start it with "ollama serve".`;
    const retry: SetupAction = { kind: 'retry', label: 'Retry' };
    const actions: SetupAction[] = installed ? [retry, hostSetting] : [{ kind: 'openUrl', label: 'Install Ollama', url: OLLAMA_DOWNLOAD_URL }, retry];
    return [
      { id: 'llm', title: installed ? `${server} at ${host}` : 'Ollama', state: 'missing', detail: `${detail} Text is still read; summaries wait.`, actions, problem: check.reason },
      ...waiting(`waits for ${server}`),
    ];
  }
  const pull = (model: string, label = 'Pull'): SetupAction[] => (openai ? [] : [{ kind: 'pullModel', label, model }]);
  const items: SetupItem[] = [{ id: 'llm', title: `${server} at ${host}`, state: 'ok', detail: 'running', actions: [] }];
  items.push(
    check.available
      ? { id: 'model', title: `Summary model ${settings.model}`, state: 'ok', detail: 'installed', actions: [] }
      : {
          id: 'model',
          title: `Summary model ${settings.model}`,
          state: 'missing',
          detail: `${extensionWording(check.reason!)} Text is still read; summaries wait.`,
          actions: [...pull(settings.model), { kind: 'selectModel', label: 'Select Model…' }],
          problem: check.reason,
        },
  );
  items.push(visionItem(settings.vision, check.visionModel, check.warnings, pull));
  items.push(embeddingItem(settings.embedModel, embedding, openai, pull));
  return items;
}

function visionItem(setting: string, found: string | undefined, warnings: readonly Problem[], pull: (model: string) => SetupAction[]): SetupItem {
  const base = { id: 'visionModel' as const, title: 'Vision model' };
  if (setting === 'none') return { ...base, state: 'ok', detail: 'off: photos are summarized from the text in them', actions: [{ kind: 'setting', label: 'Change', key: 'visionModel' }] };
  if (found) return { ...base, title: `Vision model ${found}`, state: 'ok', detail: 'describes photos and images without text', actions: [] };
  const warning = warnings.find((w) => w.code === 'vision-model-missing');
  const model = setting === 'auto' ? SUGGESTED_VISION_MODEL : setting;
  return {
    ...base,
    state: 'optional',
    detail: warning ? extensionWording(warning) : `No installed model can see images: photos are summarized from the text in them only — ${model} can describe them`,
    actions: [...pull(model), { kind: 'setting', label: 'Change', key: 'visionModel' }],
    problem: warning,
  };
}

function embeddingItem(
  setting: string,
  found: Awaited<ReturnType<typeof findEmbeddingModel>> | undefined,
  openai: boolean,
  pull: (model: string) => SetupAction[],
): SetupItem {
  const base = { id: 'embeddingModel' as const, title: 'Embedding model' };
  if (openai) return { ...base, state: 'optional', detail: 'search by meaning uses Ollama: words are still found', actions: [] };
  if (setting === 'none') return { ...base, state: 'ok', detail: 'off: search finds words', actions: [{ kind: 'setting', label: 'Change', key: 'search.embeddingModel' }] };
  if (found?.model) return { ...base, title: `Embedding model ${found.model.model}`, state: 'ok', detail: 'search finds files by meaning too', actions: [] };
  const model = setting === 'auto' ? SUGGESTED_EMBEDDING_MODEL : setting;
  return {
    ...base,
    state: 'optional',
    detail: found?.hint ? extensionWording(found.hint) : 'search finds words only',
    actions: [...pull(model), { kind: 'setting', label: 'Change', key: 'search.embeddingModel' }],
    problem: found?.hint,
  };
}

/** ffmpeg, the whisper model and whisper-cli: what videos and voice memos need. */
async function checkMediaTools({ settings, paths, env = process.env }: SetupCheckInput): Promise<SetupItem[]> {
  const media = engineOptions(settings, paths).media;
  const failed = (id: SetupItemId, title: string, consequence: string) => (error: unknown): SetupItem => {
    const problem = problemOf(error);
    return { id, title, state: 'missing', detail: `${extensionWording(problem)} ${consequence}`, actions: actionsFor(problem), problem };
  };
  const ffmpeg = resolveFfmpeg(media.ffmpegPath, env).then(
    (found): SetupItem => ({ id: 'ffmpeg', title: 'ffmpeg', state: 'ok', detail: found, actions: [] }),
    failed('ffmpeg', 'ffmpeg', 'Videos and voice memos cannot be read.'),
  );
  const noSpeech = 'Speech is not transcribed: recordings are summarized from their frames, voice memos fail.';
  const model = resolveWhisperModel(media.whisperModel, paths.modelsDir).then(
    (): SetupItem => ({ id: 'whisperModel', title: `Whisper model ${media.whisperModel}`, state: 'ok', detail: 'downloaded', actions: [] }),
    (error: unknown): SetupItem => {
      const item = failed('whisperModel', `Whisper model ${media.whisperModel}`, noSpeech)(error);
      // A known model not downloaded yet: the button says how; the file's path and address stay in the log.
      const download = item.actions.find((action) => action.kind === 'downloadWhisperModel');
      return download && item.problem?.code === 'model-missing' ? { ...item, detail: `Not downloaded yet. ${noSpeech}` } : item;
    },
  );
  const cli = whisperCliItem(media.whisperCliPath, media.dataDir, env).catch(failed('whisperCli', 'whisper-cli', 'Speech is not transcribed.'));
  return Promise.all([ffmpeg, model, cli]);
}

async function whisperCliItem(cliPath: string | undefined, dataDir: string, env: NodeJS.ProcessEnv): Promise<SetupItem> {
  const base = { id: 'whisperCli' as const, title: 'whisper-cli', state: 'ok' as const, actions: [] };
  if (cliPath) return { ...base, detail: await validateWhisperCli(cliPath) };
  const built = await readyWhisperCli(whisperBuildDir(dataDir));
  if (built) return { ...base, detail: built };
  // Not built yet: built from the bundled sources before the first recording, which needs cmake and a C++ compiler.
  await findBuildTools({ env });
  return {
    ...base,
    detail: 'built from the bundled sources before the first recording (one time, about 3 minutes on 2 cores)',
    actions: [{ kind: 'buildWhisperCli', label: 'Build Now' }],
  };
}

/** The buttons for a tool's problem: the ones a notification of it offers. */
function actionsFor(problem: Problem): SetupAction[] {
  return fixActions(problem).map((action) =>
    action.label === 'Download Whisper Model' ? { kind: 'downloadWhisperModel', label: action.label, model: action.model } : { kind: 'setting', label: action.label, key: action.setting },
  );
}
