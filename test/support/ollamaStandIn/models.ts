/** The Ollama stand-in: models. */
import { createHash } from 'node:crypto';
import { INSTALLED_AT } from './constants';
import { Capability, StandInModel, StandInModelInput } from './types';

/** Ollama's naming convention: a name without a tag means ":latest" ("user/model" has no tag either). */
function withTag(name: string): string {
  const trimmed = name.trim();
  return trimmed.slice(trimmed.lastIndexOf('/') + 1).includes(':') ? trimmed : `${trimmed}:latest`;
}

/** The lookup key of a model name: tagged, and lower-cased because Ollama matches names case-insensitively. */
export function canonicalModelName(name: string): string {
  return withTag(name).toLowerCase();
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Guesses what the real model of that name can do, so pulled models and plain names behave plausibly. */
function inferCapabilities(name: string): Capability[] {
  if (/embed|minilm|bge-|mxbai|e5-/i.test(name)) return ['embedding'];
  if (/llava|vision|-vl|vl:|moondream|minicpm-v|gemma3|granite3\.2-vision|qwen2\.5vl/i.test(name)) return ['completion', 'vision'];
  return ['completion'];
}

function inferFamily(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).split(':')[0].toLowerCase();
  if (/^(llama|llava|codellama|tinyllama)/.test(base)) return 'llama';
  if (/embed|minilm|bge/.test(base)) return 'bert';
  const match = /^[a-z]+\d*(?:\.\d+)?/.exec(base);
  return (match?.[0] ?? base).replace(/\.\d+$/, '');
}

/** "llama3.2:3b" → "3B"; tags without a size get a plausible default. */
function inferParameterSize(name: string): string {
  const tag = name.split(':')[1] ?? '';
  const match = /(\d+(?:\.\d+)?)([bm])/i.exec(tag);
  return match ? `${match[1]}${match[2].toUpperCase()}` : '7B';
}

function sizeInBytes(parameterSize: string): number {
  const match = /([\d.]+)([BM])/.exec(parameterSize);
  const params = match ? Number(match[1]) * (match[2] === 'B' ? 1e9 : 1e6) : 7e9;
  return Math.round(params * 0.6); // Q4_K_M stores a little over half a byte per parameter.
}

export function completeModel(input: StandInModelInput, modifiedAt = INSTALLED_AT): StandInModel {
  const given = typeof input === 'string' ? { name: input } : input;
  const name = withTag(given.name);
  const capabilities = given.capabilities ?? inferCapabilities(name);
  const parameterSize = given.parameterSize ?? inferParameterSize(name);
  return {
    name,
    capabilities,
    family: given.family ?? inferFamily(name),
    parameterSize,
    quantizationLevel: given.quantizationLevel ?? 'Q4_K_M',
    size: given.size ?? sizeInBytes(parameterSize),
    digest: given.digest ?? sha256Hex(`model:${canonicalModelName(name)}`),
    modifiedAt: given.modifiedAt ?? modifiedAt,
    contextLength: given.contextLength ?? 131072,
    embeddingLength: given.embeddingLength ?? (capabilities.includes('embedding') ? 384 : 256),
  };
}

export class ModelStore {
  private readonly byName = new Map<string, StandInModel>();

  add(input: StandInModelInput, modifiedAt?: string): StandInModel {
    const model = completeModel(input, modifiedAt);
    this.byName.set(canonicalModelName(model.name), model);
    return model;
  }

  remove(name: string): boolean {
    return this.byName.delete(canonicalModelName(name));
  }

  find(name: string): StandInModel | undefined {
    return this.byName.get(canonicalModelName(name));
  }

  /** Most recently modified first, like Ollama's ListHandler. */
  list(): StandInModel[] {
    return [...this.byName.values()].sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt));
  }
}
