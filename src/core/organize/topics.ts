/**
 * Groups of files about one thing, for topic folders. Tags come first — the summary model chose them for what a
 * file is about, and a tag several files share is a topic the user will recognise: the tag covering the most
 * files not yet grouped makes a group, then the next. A file that shares no tag joins the group its embedding is
 * nearest to (when the cache has vectors), or groups with files it is near to; what is left goes to "Other".
 */
import { dot } from '../search/vectors';

export interface TopicFile {
  path: string;
  title?: string;
  tags: readonly string[];
  /** The file's cached embedding (unit length), when there is one. */
  vector?: Float32Array;
}

export interface TopicGroup {
  files: TopicFile[];
  /** The tag every file of the group has, when the group came from one. */
  tag?: string;
  /** The files that belong with no other ("Other"). */
  leftOver?: boolean;
}

/**
 * How near (cosine) a file must be to a group's files to join it. Embedding models put texts on one subject at
 * roughly 0.6–0.8 and unrelated ones below 0.4–0.5; this errs on the side of "Other" over a wrong folder.
 */
export const TOPIC_SIMILARITY = 0.65;

const normalTag = (tag: string) => tag.trim().toLowerCase();

/** The groups, largest first; files in no group of two or more end in one group without a tag ("Other"). */
export function groupByTopic(files: readonly TopicFile[], minSimilarity = TOPIC_SIMILARITY): TopicGroup[] {
  const groups: TopicGroup[] = [];
  let left = [...files];
  for (;;) {
    const counts = new Map<string, number>();
    for (const file of left) for (const tag of new Set(file.tags.map(normalTag))) if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    const best = [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).at(0);
    if (!best || best[1] < 2) break;
    groups.push({ tag: best[0], files: left.filter((file) => file.tags.some((tag) => normalTag(tag) === best[0])) });
    left = left.filter((file) => !file.tags.some((tag) => normalTag(tag) === best[0]));
  }
  const near: TopicGroup[] = [];
  const other: TopicFile[] = [];
  for (const file of left) {
    const home = file.vector ? nearestGroup(file.vector, [...groups, ...near], minSimilarity) : undefined;
    if (home) home.files.push(file);
    else if (file.vector) near.push({ files: [file] });
    else other.push(file);
  }
  for (const group of near) {
    if (group.files.length > 1) groups.push(group);
    else other.push(...group.files);
  }
  groups.sort((a, b) => b.files.length - a.files.length);
  if (other.length > 0) groups.push({ files: other, leftOver: true });
  return groups;
}

/** The group whose files' mean similarity to `vector` is highest, if it reaches `minSimilarity`. */
function nearestGroup(vector: Float32Array, groups: readonly TopicGroup[], minSimilarity: number): TopicGroup | undefined {
  let best: TopicGroup | undefined;
  let bestScore = minSimilarity;
  for (const group of groups) {
    const vectors = group.files.flatMap((file) => (file.vector ? [file.vector] : []));
    if (vectors.length === 0) continue;
    const score = vectors.reduce((sum, other) => sum + dot(vector, other), 0) / vectors.length;
    if (score >= bestScore) [best, bestScore] = [group, score];
  }
  return best;
}
