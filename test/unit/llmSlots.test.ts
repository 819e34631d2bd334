/**
 * The coordinator's limit on LLM requests: never more than a host's slots, the model a host has loaded first,
 * then the oldest file, only hosts that have the model, and nothing kept by a worker that left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LlmSlots } from '../../src/core/llmSlots';

const HOST = 'http://gpu1:11434';
const oneHost = (slots: number) => new LlmSlots([{ url: HOST, slots }]);

test('no more requests than slots; waiting ones are granted oldest file first', () => {
  const slots = oneHost(1);
  const worker = {};
  const granted: string[] = [];
  slots.request(worker, 1, 5, 'm', () => granted.push('file 5'));
  slots.request(worker, 2, 9, 'm', () => granted.push('file 9'));
  slots.request(worker, 3, 2, 'm', () => granted.push('file 2'));
  assert.deepEqual(granted, ['file 5'], 'one slot: one request with the host');
  assert.equal(slots.waiting, 2);
  slots.release(worker, 1);
  assert.deepEqual(granted, ['file 5', 'file 2'], 'the older file goes first');
  slots.release(worker, 3);
  assert.deepEqual(granted, ['file 5', 'file 2', 'file 9']);
  assert.equal(slots.traffic.mostInFlight, 1);
  assert.throws(() => oneHost(0), /at least 1/);
  assert.throws(() => new LlmSlots([]), /at least one host/);
});

test('a request given up while waiting leaves the queue; a worker that is gone gives back all it held', () => {
  const slots = oneHost(2);
  const [a, b] = [{}, {}];
  const granted: string[] = [];
  slots.request(a, 1, 1, 'm', () => granted.push('a1'));
  slots.request(a, 2, 2, 'm', () => granted.push('a2'));
  slots.request(b, 1, 3, 'm', () => granted.push('b1'));
  slots.request(b, 2, 4, 'm', () => granted.push('b2'));
  slots.release(b, 1); // cancelled while waiting
  assert.equal(slots.waiting, 1);
  slots.releaseOwner(a); // worker a crashed holding both slots
  assert.deepEqual(granted, ['a1', 'a2', 'b2']);
  assert.equal(slots.waiting, 0);
  assert.equal(slots.traffic.mostInFlight, 2);
});

/** Interleaved vision and summary requests, one slot, served one at a time: the order they are served in. */
function serveInterleaved(batchByModel: boolean): { order: string[]; slots: LlmSlots } {
  const slots = new LlmSlots([{ url: HOST, slots: 1 }], { batchByModel });
  const worker = {};
  const order: string[] = [];
  const held: number[] = [];
  let id = 0;
  const ask = (file: number, model: string) => {
    const request = id++;
    slots.request(worker, request, file, model, () => {
      order.push(`${model}${file}`);
      held.push(request);
    });
  };
  for (let file = 0; file < 4; file++) ask(file, 'vision');
  for (let file = 0; file < 4; file++) ask(file, 'summary');
  while (held.length > 0) slots.release(worker, held.shift()!);
  return { order, slots };
}

test('a free slot goes to a request for the model the host has loaded: vision, then summaries, one switch', () => {
  const batched = serveInterleaved(true);
  assert.deepEqual(batched.order, ['vision0', 'vision1', 'vision2', 'vision3', 'summary0', 'summary1', 'summary2', 'summary3']);
  assert.equal(batched.slots.traffic.modelSwitches, 1);
  const oldestFirst = serveInterleaved(false);
  assert.deepEqual(oldestFirst.order, ['vision0', 'summary0', 'vision1', 'summary1', 'vision2', 'summary2', 'vision3', 'summary3'], 'the earlier design: oldest file first');
  assert.equal(oldestFirst.slots.traffic.modelSwitches, 7);
  assert.equal(batched.slots.traffic.switchesInArrivalOrder, 1, 'arrival order here is already by model');
});

test('several hosts: each within its slots, each only given models it has; a model no host has goes to the first', () => {
  const slots = new LlmSlots([
    { url: 'http://a', slots: 1, models: ['llama3.2:3b', 'llava:7b'] },
    { url: 'http://b', slots: 2, models: ['llama3.2:3b', 'gemma3:latest'] },
  ]);
  const worker = {};
  const hosts: string[] = [];
  for (let i = 0; i < 3; i++) slots.request(worker, i, i, 'llama3.2:3b', (host) => hosts.push(host));
  assert.deepEqual(hosts, ['http://a', 'http://b', 'http://b'], 'three summaries fill the three slots of two hosts');
  slots.request(worker, 3, 3, 'llava:7b', (host) => hosts.push(`llava@${host}`));
  slots.request(worker, 4, 4, 'gemma3', (host) => hosts.push(`gemma3@${host}`));
  assert.equal(slots.waiting, 2);
  slots.release(worker, 1); // b frees a slot: it has gemma3 (= gemma3:latest), not llava
  assert.equal(hosts.at(-1), 'gemma3@http://b');
  slots.release(worker, 0); // a frees its slot: the llava request
  assert.equal(hosts.at(-1), 'llava@http://a');
  slots.request(worker, 5, 5, 'mistral', (host) => hosts.push(`mistral@${host}`));
  slots.release(worker, 2);
  assert.equal(slots.waiting, 1, 'mistral waits for the first host, which will say it is missing');
  slots.release(worker, 3);
  assert.equal(hosts.at(-1), 'mistral@http://a');
  assert.deepEqual(slots.traffic.grantsByHost, { 'http://a': 3, 'http://b': 3 });
});
