/**
 * Embedding vectors as search uses them: unit length Float32Arrays (a dot product is the cosine), stored in the
 * cache as base64 (a quarter of the JSON numbers' size), scored by brute force — 100,000 files of 768 dimensions
 * are 77 M multiply-adds, tens of milliseconds, with no index to build or native addon to load.
 */

export function normalized(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  // A copy: the Buffer may share a pool whose offset is not 4-byte aligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export function dot(a: Float32Array, b: Float32Array): number {
  const length = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[i] * b[i];
  return sum;
}

export interface Scored<T> {
  item: T;
  score: number;
}

/** The `limit` items most similar to `query`, at least `minScore`, best first. */
export function nearest<T>(query: Float32Array, items: Iterable<[T, Float32Array]>, limit: number, minScore: number): Array<Scored<T>> {
  const found: Array<Scored<T>> = [];
  for (const [item, vector] of items) {
    const score = dot(query, vector);
    if (score >= minScore) found.push({ item, score });
  }
  return found.sort((a, b) => b.score - a.score).slice(0, limit);
}
