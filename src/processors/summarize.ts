import type { CachedSummary } from '../core/cacheKeys';
import { withRetries } from '../core/llmRetry';
import { describeLlmError } from '../core/llmErrors';
import { generate } from '../core/llmClient';
import { doFix, problem, settingFix, type Problem } from '../core/problems';
import type { JobResult } from '../core/job';
import type { LlmUsage } from '../core/records';
import type { OllamaSettings } from '../core/runSettings';
import type { ProcessorContext } from './context';
import { DESCRIPTION_ANSWER_TOKENS, SUMMARY_ANSWER_TOKENS } from './promptBudget';
import { summaryLanguageFor } from './summaryLanguage';
import { buildSummaryPrompt, stripFiller, SUMMARY_SCHEMA, SUMMARY_SYSTEM, VISION_PROMPT, type SummaryMaterial } from './prompts';

export type LlmOutcome<T> = { ok: true; value: T; usage?: LlmUsage } | { ok: false; problem: Problem };

const TRY_AGAIN = [doFix('try again'), settingFix('model')];

/**
 * What a record keeps of the model's answer: the prompt asks for 2-3 sentences, a short title and a few tags;
 * a model that writes far more is cut at these (at a word), so the cache, the log and the tree stay small.
 */
const MAX_SUMMARY_CHARS = 2000;
const MAX_TITLE_CHARS = 120;
/** A longer "tag" is a sentence, not a tag: it is dropped. */
const MAX_TAG_CHARS = 40;
const MAX_TAGS = 8;

function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.8 ? cut.slice(0, space) : cut}…`;
}

/**
 * Asks the LLM for {summary, title, tags} with Ollama's structured output; never throws. `images` go with the
 * request when the summary model sees them itself (one request, no separate description).
 */
export async function summarizeMaterial(
  material: SummaryMaterial,
  ollama: OllamaSettings,
  signal: AbortSignal,
  withSlot: ProcessorContext['withLlmSlot'],
  images: string[] = [],
): Promise<LlmOutcome<CachedSummary>> {
  if (!ollama.available) return { ok: false, problem: ollama.unavailableReason ?? problem('llm-unavailable', 'The LLM is not available') };
  let host = ollama.host;
  try {
    const request = {
      model: ollama.model,
      system: SUMMARY_SYSTEM,
      prompt: buildSummaryPrompt(material, { contextTokens: ollama.contextTokens, images: images.length }),
      format: SUMMARY_SCHEMA,
      ...(images.length > 0 ? { images } : {}),
      contextTokens: ollama.contextTokens,
      maxTokens: SUMMARY_ANSWER_TOKENS,
      timeoutMs: ollama.requestTimeoutMs,
      signal,
    };
    const answer = await withSlot(ollama.model, (granted) => withRetries(() => generate(ollama.api, { ...request, host: (host = granted) }), signal));
    const parsed = parseSummary(answer.text, ollama.model, answer.cut);
    return parsed.ok ? { ...parsed, usage: { promptTokens: answer.promptEvalCount, answerTokens: answer.evalCount, loadMs: answer.loadMs } } : parsed;
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, problem: describeLlmError(error, host, ollama.model, ollama.api) };
  }
}

export function parseSummary(text: string, model: string, cut = false): LlmOutcome<CachedSummary> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (cut) return { ok: false, problem: problem('answer-too-long', `Model ${model} ran past ${SUMMARY_ANSWER_TOKENS} tokens without finishing its answer; nothing was kept`, ...TRY_AGAIN) };
    return { ok: false, problem: problem('summary-not-json', `Model ${model} did not return valid JSON (${JSON.stringify(text.slice(0, 80))}…)`, ...TRY_AGAIN) };
  }
  const value = parsed as Partial<Record<keyof CachedSummary, unknown>>;
  if (typeof value.summary !== 'string' || !value.summary.trim()) {
    return { ok: false, problem: problem('summary-missing', `Model ${model} returned JSON without a summary`, ...TRY_AGAIN) };
  }
  return {
    ok: true,
    value: {
      summary: capped(stripFiller(value.summary), MAX_SUMMARY_CHARS),
      title: typeof value.title === 'string' ? capped(value.title.trim().replace(/\s+/g, ' '), MAX_TITLE_CHARS) : '',
      tags: Array.isArray(value.tags)
        ? [...new Set(value.tags.filter((t): t is string => typeof t === 'string').map((t) => t.trim().toLowerCase().replace(/\s+/g, ' ')))].filter((t) => t !== '' && t.length <= MAX_TAG_CHARS).slice(0, MAX_TAGS)
        : [],
    },
  };
}

/** A vision model's description of one image (base64); never throws except on cancellation. */
export async function describeImage(imageBase64: string, ollama: OllamaSettings, signal: AbortSignal, withSlot: ProcessorContext['withLlmSlot']): Promise<LlmOutcome<string>> {
  const model = ollama.visionModel;
  if (!model || !ollama.available) return { ok: false, problem: problem('no-vision-model', 'No vision model') };
  let host = ollama.host;
  try {
    const request = {
      model,
      prompt: VISION_PROMPT,
      images: [imageBase64],
      contextTokens: ollama.contextTokens,
      maxTokens: DESCRIPTION_ANSWER_TOKENS,
      timeoutMs: ollama.requestTimeoutMs,
      signal,
    };
    const answer = await withSlot(model, (granted) => withRetries(() => generate(ollama.api, { ...request, host: (host = granted) }), signal));
    return { ok: true, value: answer.text.trim() };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, problem: describeLlmError(error, host, model, ollama.api) };
  }
}

/** What a processor has found about a file before the summary: the record's fields other than the LLM's. */
export type Findings = Omit<JobResult, 'status' | 'llmCalls' | 'summary' | 'title' | 'tags' | 'problem'>;

/**
 * The last stage of every processor: one summary from everything found, saved to the cache; without the LLM
 * the file is "pending" and keeps what was found.
 */
export async function finishWithSummary(
  context: ProcessorContext,
  material: SummaryMaterial,
  findings: Findings,
  llmCallsSoFar: number,
  timed: <T>(stage: string, work: () => Promise<T>) => Promise<T>,
  images: string[] = [],
  partial?: Problem,
): Promise<JobResult> {
  context.stage('summary');
  const llmCalls = llmCallsSoFar + (context.ollama.available ? 1 : 0);
  const language = summaryLanguageFor(context.media, material);
  const outcome = await timed('summary', () => summarizeMaterial({ ...material, language }, context.ollama, context.signal, (model, request) => context.withLlmSlot(model, request), images));
  if (!outcome.ok) return { status: 'pending', ...findings, problem: outcome.problem, llmCalls };
  const usage = outcome.usage ? { llmUsage: outcome.usage } : {};
  if (partial) return { status: 'ok', ...findings, ...outcome.value, ...usage, llmCalls, partial };
  await context.saveSummary(outcome.value, language);
  return { status: 'ok', ...findings, ...outcome.value, ...usage, llmCalls };
}
