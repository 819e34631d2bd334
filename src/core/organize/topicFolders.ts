/**
 * The topic folder of each summarized file: grouped (topics.ts), each group named (topicNames.ts). What the plan
 * is given for `--by topic`.
 */
import type { CacheStore } from '../cache';
import type { Problem } from '../problems';
import { documentOf, embeddingText } from '../search/document';
import { cachedVector, findEmbeddingModel, type EmbeddingSetting } from '../search/embeddings';
import type { OrganizeFile } from './plan';
import { nameTopicGroups, type TopicNamer } from './topicNames';
import { groupByTopic } from './topics';

export interface TopicFolders {
  /** File path → folder name. */
  folders: Map<string, string>;
  problem?: Problem;
}

export async function topicFolders(files: readonly OrganizeFile[], namer: TopicNamer | undefined, vectorOf: (file: OrganizeFile) => Float32Array | undefined = () => undefined): Promise<TopicFolders> {
  const summarized = files.filter((file) => file.record?.status === 'ok');
  const groups = groupByTopic(summarized.map((file) => ({ path: file.path, title: file.record?.title, tags: file.record?.tags ?? [], vector: vectorOf(file) })));
  const { names, problem } = await nameTopicGroups(groups, namer);
  const folders = new Map<string, string>();
  groups.forEach((group, i) => {
    for (const file of group.files) folders.set(file.path, names[i]);
  });
  return { folders, problem };
}

/**
 * The vectors the cache already holds for files under the installed embedding model (made after runs, for
 * search): nothing is embedded here. Without a model or a cache, no file has one and topics go by tags.
 */
export async function cachedVectorLookup(cache: CacheStore | undefined, host: string, setting: EmbeddingSetting, signal?: AbortSignal): Promise<(file: OrganizeFile) => Float32Array | undefined> {
  if (!cache || setting === 'none') return () => undefined;
  const { model } = await findEmbeddingModel(host, setting, signal);
  if (!model) return () => undefined;
  return (file) => {
    const document = file.record && documentOf(file.record);
    return document ? cachedVector(cache, model.model, embeddingText(document)) : undefined;
  };
}
