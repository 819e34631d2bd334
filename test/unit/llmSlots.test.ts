/** The coordinator's limit on LLM requests: never more than the slots, oldest file first, nothing kept by a worker that left. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LlmSlots } from '../../src/core/llmSlots';

test('no more requests than slots; waiting ones are granted oldest file first', () => {
  const slots = new LlmSlots(1);
  const worker = {};
  const granted: string[] = [];
  slots.request(worker, 1, 5, () => granted.push('file 5'));
  slots.request(worker, 2, 9, () => granted.push('file 9'));
  slots.request(worker, 3, 2, () => granted.push('file 2'));
  assert.deepEqual(granted, ['file 5'], 'one slot: one request with the host');
  assert.equal(slots.waiting, 2);
  slots.release(worker, 1);
  assert.deepEqual(granted, ['file 5', 'file 2'], 'the older file goes first');
  slots.release(worker, 3);
  assert.deepEqual(granted, ['file 5', 'file 2', 'file 9']);
  assert.equal(slots.mostInFlight, 1);
  assert.throws(() => new LlmSlots(0), /at least 1/);
});

test('a request given up while waiting leaves the queue; a worker that is gone gives back all it held', () => {
  const slots = new LlmSlots(2);
  const [a, b] = [{}, {}];
  const granted: string[] = [];
  slots.request(a, 1, 1, () => granted.push('a1'));
  slots.request(a, 2, 2, () => granted.push('a2'));
  slots.request(b, 1, 3, () => granted.push('b1'));
  slots.request(b, 2, 4, () => granted.push('b2'));
  slots.release(b, 1); // cancelled while waiting
  assert.equal(slots.waiting, 1);
  slots.releaseOwner(a); // worker a crashed holding both slots
  assert.deepEqual(granted, ['a1', 'a2', 'b2']);
  assert.equal(slots.waiting, 0);
  assert.equal(slots.mostInFlight, 2);
});
