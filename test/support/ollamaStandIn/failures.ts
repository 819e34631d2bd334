/** The Ollama stand-in: failure plan. */
import { FailureMode, FailureOptions, FailureSpec } from './types';

type EndpointKind = 'inference' | 'other';

export class FailurePlan {
  private persistent: FailureSpec = { mode: 'none' };
  private readonly oneShots: Array<{ spec: FailureSpec; remaining: number }> = [];

  set(spec: FailureSpec): void {
    this.persistent = spec;
  }

  queue(spec: FailureSpec, count: number): void {
    if (count > 0) this.oneShots.push({ spec, remaining: count });
  }

  /** The failure this request gets, if any; consumes one use of the first matching one-shot. */
  take(kind: EndpointKind): FailureSpec | undefined {
    const applies = (spec: FailureSpec) => spec.mode !== 'none' && (kind === 'inference' || spec.scope === 'all');
    const oneShot = this.oneShots.find((entry) => applies(entry.spec));
    if (oneShot) {
      if (--oneShot.remaining <= 0) this.oneShots.splice(this.oneShots.indexOf(oneShot), 1);
      return oneShot.spec;
    }
    return applies(this.persistent) ? this.persistent : undefined;
  }
}

export function toFailureSpec(failure: FailureMode | FailureSpec, options: FailureOptions = {}): FailureSpec {
  return typeof failure === 'string' ? { ...options, mode: failure } : { ...failure, ...options };
}
