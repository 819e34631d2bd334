/**
 * The Ollama stand-in: which models are loaded, as in Ollama's scheduler (server/sched.go). A request for a model
 * that is not loaded, or loaded with another context size (`needsReload`: options such as num_ctx are fixed when a
 * runner starts), waits for a load; beyond OLLAMA_MAX_LOADED_MODELS the least recently used model is evicted; a
 * model unused for its keep_alive (default 5 minutes) is unloaded.
 */

/** What Ollama uses when a request does not set num_ctx (since 0.6 it is 4096 on most machines). */
export const DEFAULT_NUM_CTX = 4096;
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

interface Resident {
  numCtx: number;
  lastUsed: number;
  keepAliveMs: number;
}

export interface LoadDecision {
  /** The model must be loaded before it can answer (first use, after an eviction or expiry, or new options). */
  load: boolean;
  /** The load is a reload of a resident model because num_ctx changed. */
  optionsChanged: boolean;
  /** Models unloaded to make room. */
  evicted: string[];
}

export class Residency {
  private readonly resident = new Map<string, Resident>();

  /** `maxLoaded` 0 is unlimited. */
  constructor(public maxLoaded = 0) {}

  loaded(): string[] {
    return [...this.resident.keys()];
  }

  /** Makes `model` resident with `numCtx` for a request arriving now, and says what that cost. */
  use(model: string, numCtx: number, keepAliveMs: number | undefined, now = Date.now()): LoadDecision {
    for (const [name, entry] of this.resident) if (now - entry.lastUsed > entry.keepAliveMs) this.resident.delete(name);
    const current = this.resident.get(model);
    const optionsChanged = current !== undefined && current.numCtx !== numCtx;
    const load = current === undefined || optionsChanged;
    this.resident.delete(model); // re-inserted last: the map's order is least recently used first
    const evicted: string[] = [];
    if (load && this.maxLoaded > 0) {
      for (const name of this.resident.keys()) {
        if (this.resident.size < this.maxLoaded) break;
        this.resident.delete(name);
        evicted.push(name);
      }
    }
    if (keepAliveMs !== 0) this.resident.set(model, { numCtx, lastUsed: now, keepAliveMs: keepAliveMs ?? current?.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS });
    return { load, optionsChanged, evicted };
  }
}

/** Ollama's keep_alive: a duration string ("10m", "1h30m", "45s"), seconds as a number, negative for forever. */
export function keepAliveMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value < 0 ? Infinity : value * 1000;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^-/.test(value)) return Infinity;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * units[unit];
  return /^\d+$/.test(value) ? Number(value) * 1000 : total;
}
