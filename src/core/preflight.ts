import type { Ollama } from 'ollama';
import { describeLlmError, modelMissing, type LlmApi } from './llmErrors';
import { listOpenAiModels } from './openaiCompatible';
import { withOllama } from './ollama';
import { sameModel } from './modelNames';
import { doFix, problem, type Problem } from './problems';

export interface PreflightResult {
  /** False when summaries cannot be made this run; files are then saved as "pending". */
  available: boolean;
  reason?: Problem;
  /** The model that will describe images, if any. */
  visionModel?: string;
  warnings: Problem[];
  /** The models each reachable host has (host order), for sending requests only where their model is. */
  hosts: Array<{ url: string; models: string[] }>;
}

/** "auto" looks for a vision-capable model; "none" turns vision off; anything else names a model. */
export type VisionSetting = 'auto' | 'none' | (string & {});

const PREFLIGHT_TIMEOUT_MS = 10_000;
/** Bounds the /api/show calls made to find a vision model among many installed ones. */
const MAX_MODELS_PROBED = 12;

/**
 * One look at the Ollama server before a run: is it there, is the model pulled, which model can see images.
 * Problems become one clear message instead of one failure per file. It takes PREFLIGHT_TIMEOUT_MS at most
 * however the server behaves (one that takes the connection and never answers), and the run's cancel ends it.
 */
export function preflight(host: string, model: string, vision: VisionSetting, api: LlmApi = 'ollama', signal?: AbortSignal): Promise<PreflightResult> {
  if (api === 'openai') return checkOpenAi(host, model, vision, signal);
  return withOllama(host, PREFLIGHT_TIMEOUT_MS, signal, (client) => checkWith(client, host, model, vision));
}

/**
 * An OpenAI-compatible server lists its models but not what they can do: "auto" finds no vision model there;
 * naming one (the summary model itself, for a model that sees) turns vision on.
 */
async function checkOpenAi(host: string, model: string, vision: VisionSetting, signal: AbortSignal | undefined): Promise<PreflightResult> {
  let installed: string[];
  try {
    installed = await listOpenAiModels(host, PREFLIGHT_TIMEOUT_MS, signal);
  } catch (error) {
    return { available: false, reason: describeLlmError(error, host, model, 'openai'), warnings: [], hosts: [] };
  }
  const has = (name: string) => installed.some((n) => sameModel(n, name));
  const warnings: Problem[] = [];
  const visionModel = vision !== 'none' && vision !== 'auto' ? namedVisionModel(vision, has, host, `load ${vision} in the server`, warnings) : undefined;
  const available = has(model);
  return { available, reason: available ? undefined : modelMissing(host, model, 'openai'), visionModel, warnings, hosts: [{ url: host, models: installed }] };
}

/**
 * The same look at several hosts at once. Summaries can be made when any host has the model; the vision model
 * is the first host's that has one; a host that cannot serve is a warning, and the others take its share.
 */
export async function preflightHosts(hosts: string[], model: string, vision: VisionSetting, api: LlmApi = 'ollama', signal?: AbortSignal): Promise<PreflightResult> {
  const results = await Promise.all(hosts.map((host) => preflight(host, model, vision, api, signal)));
  if (results.length === 1) return results[0];
  const serving = results.filter((result) => result.available);
  if (serving.length === 0) return { ...results[0], hosts: results.flatMap((result) => result.hosts) };
  const visionModel = serving.find((result) => result.visionModel)?.visionModel;
  const warnings = [
    ...results.flatMap((result) => (result.reason ? [{ ...result.reason, message: `${result.reason.message}; the other hosts take its requests` }] : [])),
    ...(visionModel ? [] : serving[0].warnings),
  ];
  return { available: true, visionModel, warnings, hosts: results.flatMap((result) => result.hosts) };
}

async function checkWith(client: Ollama, host: string, model: string, vision: VisionSetting): Promise<PreflightResult> {
  const warnings: Problem[] = [];
  let installed: string[];
  try {
    installed = (await client.list()).models.map((m) => m.name);
  } catch (error) {
    return { available: false, reason: describeLlmError(error, host, model), warnings, hosts: [] };
  }
  const has = (name: string) => installed.some((n) => sameModel(n, name));
  const available = has(model);
  const reason = available ? undefined : modelMissing(host, model);

  let visionModel: string | undefined;
  if (vision !== 'none' && vision !== 'auto') {
    visionModel = namedVisionModel(vision, has, host, `pull it with \`ollama pull ${vision}\``, warnings);
  } else if (vision === 'auto') {
    const candidates = [model, ...installed.filter((n) => !sameModel(n, model))].filter(has).slice(0, MAX_MODELS_PROBED);
    const capabilities = await Promise.all(
      candidates.map((name) =>
        client
          .show({ model: name })
          .then((info) => (info as { capabilities?: string[] }).capabilities ?? [])
          .catch(() => [] as string[]),
      ),
    );
    visionModel = candidates.find((_, i) => capabilities[i].includes('vision'));
  }
  return { available, reason, visionModel, warnings, hosts: [{ url: host, models: installed }] };
}

/** A vision model the user named: used when the host has it, else a warning with `fix` (images then go by their text). */
function namedVisionModel(vision: string, has: (name: string) => boolean, host: string, fix: string, warnings: Problem[]): string | undefined {
  if (has(vision)) return vision;
  warnings.push(problem('vision-model-missing', `Vision model ${vision} is not available at ${host}; images are summarized from their text only`, doFix(fix)));
  return undefined;
}
