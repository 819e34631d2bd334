/**
 * The coordinator's limit on requests to the LLM hosts, shared by every worker of a run: at most `slots` requests
 * are with a host at once (Ollama serves OLLAMA_NUM_PARALLEL at a time, 1 by default, and queues the rest
 * silently — a request waiting there would spend its timeout before its first byte). A free slot goes to a
 * waiting request for the model the host served last, if there is one (a host with room for one model in memory
 * would otherwise unload and load models as vision and summary requests interleave), else to the oldest file's;
 * a host is only given the models it has. A worker that goes away gives back what it held and what it waited for.
 */
import { sameModel } from './modelNames';

export interface LlmHost {
  url: string;
  slots: number;
  /** The models the host has (from its /api/tags); undefined: any. */
  models?: readonly string[];
}

interface Ticket {
  owner: object;
  id: number;
  /** Lower is served first: the file's position in the run. */
  priority: number;
  model: string;
  grant: (host: string) => void;
}

interface HostState extends LlmHost {
  held: Set<Ticket>;
  /** The model of the last request granted here: the one the host has loaded. */
  lastModel?: string;
  switches: number;
  grants: number;
}

export interface LlmSlotsOptions {
  /** Prefer requests for the model a host served last (default true); false grants strictly oldest first. */
  batchByModel?: boolean;
}

/** What the limiter saw, for the run's report and for benchmarks. */
export interface LlmTraffic {
  /** The most requests with all hosts at once. */
  mostInFlight: number;
  /** Times a host was given a request for another model than its last one. */
  modelSwitches: number;
  /** Switches that granting in arrival order would have made. */
  switchesInArrivalOrder: number;
  /** Requests granted per host URL. */
  grantsByHost: Record<string, number>;
}

export class LlmSlots {
  private readonly hosts: HostState[];
  private readonly queue: Ticket[] = [];
  private readonly batchByModel: boolean;
  private mostInFlight = 0;
  private lastArrivedModel?: string;
  private switchesInArrivalOrder = 0;

  constructor(list: readonly LlmHost[], options: LlmSlotsOptions = {}) {
    if (list.length === 0) throw new RangeError('LLM slots need at least one host.');
    for (const { slots } of list) {
      if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`LLM slots must be a whole number of at least 1, not ${slots}.`);
    }
    this.hosts = list.map((host) => ({ ...host, held: new Set(), switches: 0, grants: 0 }));
    this.batchByModel = options.batchByModel ?? true;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  get traffic(): LlmTraffic {
    return {
      mostInFlight: this.mostInFlight,
      modelSwitches: this.hosts.reduce((sum, host) => sum + host.switches, 0),
      switchesInArrivalOrder: this.switchesInArrivalOrder,
      grantsByHost: Object.fromEntries(this.hosts.map((host) => [host.url, host.grants])),
    };
  }

  /**
   * Asks for a slot for `owner`'s request `id` for `model`; `grant` is called with the host's URL once it is held
   * (maybe at once). A model no host has is granted on the first host, whose answer then says what is missing.
   */
  request(owner: object, id: number, priority: number, model: string, grant: (host: string) => void): void {
    if (this.lastArrivedModel !== undefined && this.lastArrivedModel !== model) this.switchesInArrivalOrder++;
    this.lastArrivedModel = model;
    const ticket: Ticket = { owner, id, priority, model, grant };
    const at = this.queue.findIndex((queued) => queued.priority > priority);
    if (at < 0) this.queue.push(ticket);
    else this.queue.splice(at, 0, ticket);
    this.pump();
  }

  /** The request is done (or was given up while waiting). */
  release(owner: object, id: number): void {
    this.forget((ticket) => ticket.owner === owner && ticket.id === id);
  }

  /** `owner` is gone (a worker that exited or was killed): everything it held or waited for. */
  releaseOwner(owner: object): void {
    this.forget((ticket) => ticket.owner === owner);
  }

  private forget(match: (ticket: Ticket) => boolean): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (match(this.queue[i])) this.queue.splice(i, 1);
    for (const host of this.hosts) for (const ticket of host.held) if (match(ticket)) host.held.delete(ticket);
    this.pump();
  }

  private pump(): void {
    for (let next = this.nextGrant(); next; next = this.nextGrant()) {
      const { host, ticket } = next;
      this.queue.splice(this.queue.indexOf(ticket), 1);
      host.held.add(ticket);
      host.grants++;
      if (host.lastModel !== undefined && host.lastModel !== ticket.model) host.switches++;
      host.lastModel = ticket.model;
      this.mostInFlight = Math.max(this.mostInFlight, this.hosts.reduce((sum, h) => sum + h.held.size, 0));
      ticket.grant(host.url);
    }
  }

  /** The best pairing of a free slot and a waiting request: same model as the host's last, then oldest, then host order. */
  private nextGrant(): { host: HostState; ticket: Ticket } | undefined {
    let best: { host: HostState; ticket: Ticket; switching: boolean } | undefined;
    for (const host of this.hosts) {
      if (host.held.size >= host.slots) continue;
      for (const ticket of this.queue) {
        if (!this.serves(host, ticket.model)) continue;
        const switching = this.batchByModel && host.lastModel !== undefined && host.lastModel !== ticket.model;
        if (!best || (best.switching && !switching) || (best.switching === switching && ticket.priority < best.ticket.priority)) best = { host, ticket, switching };
        if (!switching) break; // the queue is in priority order: this host's best ticket
      }
    }
    return best;
  }

  /** A host serves the models it has; a model no host has goes to the first host (which says it is missing). */
  private serves(host: HostState, model: string): boolean {
    if (!host.models) return true;
    if (host.models.some((name) => sameModel(name, model))) return true;
    return host === this.hosts[0] && !this.hosts.some((h) => !h.models || h.models.some((name) => sameModel(name, model)));
  }
}
