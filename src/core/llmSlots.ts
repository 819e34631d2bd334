/**
 * The coordinator's limit on requests to the LLM host, shared by every worker of a run: at most `slots` requests
 * are with the host at once (Ollama serves OLLAMA_NUM_PARALLEL at a time, 1 by default, and queues the rest
 * silently — a request waiting there would spend its timeout before its first byte). Waiting requests are granted
 * oldest file first; a worker that goes away gives back what it held and what it waited for.
 */

interface Ticket {
  owner: object;
  id: number;
  /** Lower is served first: the file's position in the run. */
  priority: number;
  grant: () => void;
}

export class LlmSlots {
  private readonly held = new Set<Ticket>();
  private readonly queue: Ticket[] = [];
  /** The most requests that were with the host at once (for tests and benchmarks). */
  mostInFlight = 0;

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`LLM slots must be a whole number of at least 1, not ${slots}.`);
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Asks for a slot for `owner`'s request `id`; `grant` is called once it is held (maybe at once). */
  request(owner: object, id: number, priority: number, grant: () => void): void {
    const ticket: Ticket = { owner, id, priority, grant };
    const at = this.queue.findIndex((queued) => queued.priority > priority);
    if (at < 0) this.queue.push(ticket);
    else this.queue.splice(at, 0, ticket);
    this.pump();
  }

  /** The request is done (or was given up while waiting). */
  release(owner: object, id: number): void {
    const match = (ticket: Ticket) => ticket.owner === owner && ticket.id === id;
    const queued = this.queue.findIndex(match);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const ticket of this.held) if (match(ticket)) this.held.delete(ticket);
    this.pump();
  }

  /** `owner` is gone (a worker that exited or was killed): everything it held or waited for. */
  releaseOwner(owner: object): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].owner === owner) this.queue.splice(i, 1);
    for (const ticket of this.held) if (ticket.owner === owner) this.held.delete(ticket);
    this.pump();
  }

  private pump(): void {
    while (this.held.size < this.slots && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.held.add(next);
      this.mostInFlight = Math.max(this.mostInFlight, this.held.size);
      next.grant();
    }
  }
}
