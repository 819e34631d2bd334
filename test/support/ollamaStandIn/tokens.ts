/** The Ollama stand-in: tokens, chunks, embeddings. */
import { createHash } from 'node:crypto';
import { CHARS_PER_TOKEN } from './constants';
import { sha256Hex } from './models';

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** Splits at whitespace into at most `maxChunks` pieces whose concatenation is exactly `text`. */
export function splitIntoChunks(text: string, maxChunks: number): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  if (pieces.length === 0) return [''];
  const count = Math.max(1, Math.min(maxChunks, pieces.length));
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * pieces.length) / count);
    const to = Math.floor(((i + 1) * pieces.length) / count);
    chunks.push(pieces.slice(from, to).join(''));
  }
  return chunks;
}

/** Stand-in for the deprecated generate `context`: one stable id per word of prompt and answer. */
export function contextTokens(text: string): number[] {
  return (text.match(/\S+/g) ?? []).map((word) => parseInt(sha256Hex(word).slice(0, 5), 16) % 128000);
}

/**
 * The stand-in's idea of meaning: words of one group embed alike, so a query can find a text it shares no word
 * with, as a real embedding model finds "receipt" for "invoice". A small fixed table, not a model: what passes
 * with it shows that search uses the vectors, not that the vectors are good.
 */
const SYNONYMS: readonly (readonly string[])[] = [
  ['invoice', 'bill', 'receipt', 'payment', 'billing'],
  ['car', 'automobile', 'vehicle'],
  ['meeting', 'standup', 'call', 'sync'],
  ['error', 'failure', 'crash', 'exception', 'bug'],
  ['photo', 'picture', 'image', 'snapshot'],
  ['dog', 'puppy', 'hound'],
];
const CANONICAL = new Map(SYNONYMS.flatMap((group) => group.map((word) => [word, group[0]] as const)));

/**
 * Feature-hashed bag of words (synonyms folded to one, see SYNONYMS), L2-normalized like Ollama's embeddings:
 * deterministic, and texts that share words or synonyms get similar vectors. Task prefixes such as
 * "search_query:" are words like any other and shift every vector alike.
 */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? (text ? [text] : []);
  for (const word of words) {
    const hash = createHash('sha256').update(CANONICAL.get(word) ?? word).digest();
    vector[hash.readUInt32BE(0) % dimensions] += hash[4] & 1 ? 1 : -1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => Math.fround(v / norm));
}
