/**
 * Embeddings from Ollama's /api/embed: the model (found or named), the task prefixes the model was trained with,
 * batched requests, and the cache entries that keep each vector by model and text (so a file whose text did not
 * change is never embedded twice, and a new model makes new vectors).
 */
import { createHash } from 'node:crypto';
import type { CacheStore } from '../cache';
import { describeLlmError } from '../llmErrors';
import { sameModel } from '../modelNames';
import { withOllama } from '../ollama';
import { doFix, problem, ProblemError, type Problem } from '../problems';
import { decodeVector, encodeVector, normalized } from './vectors';

/** "auto" picks an installed embedding model, "none" turns semantic search off, anything else names one. */
export type EmbeddingSetting = 'auto' | 'none' | (string & {});

/** What to pull when there is none: small, multilingual, and one of Ollama's own listed embedding models. */
export const SUGGESTED_EMBEDDING_MODEL = 'embeddinggemma';

const EMBED_TIMEOUT_MS = 120_000;
const FIND_TIMEOUT_MS = 10_000;
/** Texts per request: one request keeps the model's batch full without a minutes-long answer on a CPU. */
export const EMBED_BATCH = 16;
const MAX_MODELS_PROBED = 12;
/** The families in Ollama's library of embedding models. */
const EMBEDDING_NAMES = /embed|minilm|bge|e5|gte|arctic|paraphrase|granite-embedding/i;

interface Prefixes {
  query: string;
  document: string;
}

/** Task prefixes from the models' cards; models not listed take none. */
const PREFIXES: Array<[RegExp, Prefixes]> = [
  [/^nomic-embed/, { query: 'search_query: ', document: 'search_document: ' }],
  [/^embeddinggemma/, { query: 'task: search result | query: ', document: 'title: none | text: ' }],
  [/^(mxbai-embed-large|snowflake-arctic-embed|bge-large|bge-base|bge-small)/, { query: 'Represent this sentence for searching relevant passages: ', document: '' }],
];

function prefixesOf(model: string): Prefixes {
  const base = model.replace(/^.*\//, '');
  return PREFIXES.find(([pattern]) => pattern.test(base))?.[1] ?? { query: '', document: '' };
}

export interface EmbeddingModel {
  host: string;
  model: string;
}

/** The model to embed with, or why there is none (a hint with the pull command, not an error). */
export async function findEmbeddingModel(host: string, setting: EmbeddingSetting, signal?: AbortSignal): Promise<{ model?: EmbeddingModel; hint?: Problem }> {
  if (setting === 'none') return {};
  try {
    return await withOllama(host, FIND_TIMEOUT_MS, signal, async (client) => {
      const installed = (await client.list()).models.map((m) => m.name);
      if (setting !== 'auto') {
        const named = installed.find((name) => sameModel(name, setting));
        return named ? { model: { host, model: named } } : { hint: noEmbeddingModel(host, `${setting} is not installed`, setting) };
      }
      // Only names that look like embedding models are asked about (one /api/show each): a run with none installed
      // costs Ollama one listing. A model with another name is used when named.
      for (const name of installed.filter((n) => EMBEDDING_NAMES.test(n)).slice(0, MAX_MODELS_PROBED)) {
        const capabilities = await client
          .show({ model: name })
          .then((info) => (info as { capabilities?: string[] }).capabilities ?? [])
          .catch(() => [] as string[]);
        if (capabilities.includes('embedding')) return { model: { host, model: name } };
      }
      return { hint: noEmbeddingModel(host, 'no embedding model is installed', SUGGESTED_EMBEDDING_MODEL) };
    });
  } catch (error) {
    return { hint: { ...describeLlmError(error, host, setting === 'auto' ? SUGGESTED_EMBEDDING_MODEL : setting), code: 'embedding-unavailable' } };
  }
}

function noEmbeddingModel(host: string, why: string, model: string): Problem {
  return problem('embedding-model-missing', `Search by meaning is off: ${why} at ${host}; words are still found`, doFix(`pull one with \`ollama pull ${model}\``));
}

/** The cache key of a text's vector under a model. */
export function vectorKey(model: string, text: string): string {
  return `embedding:v1:${model}:${createHash('sha256').update(text).digest('hex')}`;
}

export function cachedVector(cache: CacheStore | undefined, model: string, text: string): Float32Array | undefined {
  const stored = cache?.get<string>(vectorKey(model, text));
  return typeof stored === 'string' ? decodeVector(stored) : undefined;
}

/**
 * Vectors for document texts: from the cache where known, the rest embedded in batches and saved. One request
 * at a time (Ollama serves one by default; this runs after a run's summaries, or for a search).
 */
export async function embedDocuments(target: EmbeddingModel, texts: readonly string[], cache: CacheStore | undefined, signal?: AbortSignal): Promise<Array<Float32Array | undefined>> {
  const known = new Map<string, Float32Array>();
  for (const text of texts) {
    const vector = known.get(text) ?? cachedVector(cache, target.model, text);
    if (vector) known.set(text, vector);
  }
  // Copies of a file have one text: embedded once.
  const missing = [...new Set(texts.filter((text) => !known.has(text)))];
  const { document } = prefixesOf(target.model);
  for (let start = 0; start < missing.length; start += EMBED_BATCH) {
    const batch = missing.slice(start, start + EMBED_BATCH);
    const embedded = await embed(target, batch.map((text) => document + text), signal);
    for (const [j, text] of batch.entries()) known.set(text, embedded[j]);
    // A vector not saved is made again next time.
    await cache?.putMany(batch.map((text, j) => [vectorKey(target.model, text), encodeVector(embedded[j])] as const)).catch(() => undefined);
  }
  return texts.map((text) => known.get(text));
}

export async function embedQuery(target: EmbeddingModel, query: string, signal?: AbortSignal): Promise<Float32Array> {
  const [vector] = await embed(target, [prefixesOf(target.model).query + query], signal);
  return vector;
}

async function embed(target: EmbeddingModel, input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
  try {
    const answer = await withOllama(target.host, EMBED_TIMEOUT_MS, signal, (client) => client.embed({ model: target.model, input, truncate: true }));
    if (answer.embeddings.length !== input.length) throw new Error(`${target.host} returned ${answer.embeddings.length} embeddings for ${input.length} texts`);
    return answer.embeddings.map(normalized);
  } catch (error) {
    throw new ProblemError(describeLlmError(error, target.host, target.model), { cause: error });
  }
}
