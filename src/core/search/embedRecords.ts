import type { CacheStore } from '../cache';
import { problemOf, type Problem } from '../problems';
import type { FileRecord } from '../records';
import { documentOf, embeddingText } from './document';
import { embedDocuments, findEmbeddingModel, type EmbeddingSetting } from './embeddings';

/**
 * After a run's summaries: the vectors search by meaning needs, for every summarized file that has none under the
 * installed embedding model, made in batches and cached — so the first search does not wait for them. Without an
 * embedding model nothing happens (search says how to get one).
 */
export async function embedRecords(records: readonly FileRecord[], cache: CacheStore, host: string, setting: EmbeddingSetting, signal?: AbortSignal): Promise<{ embedded: number; problem?: Problem }> {
  const documents = records.filter((record) => record.status === 'ok').flatMap((record) => documentOf(record) ?? []);
  if (documents.length === 0 || setting === 'none') return { embedded: 0 };
  const { model } = await findEmbeddingModel(host, setting, signal);
  if (!model) return { embedded: 0 };
  try {
    const vectors = await embedDocuments(model, documents.map((document) => embeddingText(document)), cache, signal);
    return { embedded: vectors.filter(Boolean).length };
  } catch (error) {
    return { embedded: 0, problem: problemOf(error) };
  }
}
