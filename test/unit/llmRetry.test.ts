/** Which failed LLM requests are sent again: a busy or restarting server, not a wrong request or a broken model. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withRetries, worthRetrying } from '../../src/core/llmRetry';

const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status_code: status });
const refused = () => Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

test('503, 429 and a refused connection are retried; 404, 500 and a timeout are not', () => {
  for (const error of [httpError(503), httpError(429), refused()]) assert.equal(worthRetrying(error), true, error.message);
  for (const error of [httpError(404), httpError(500), new DOMException('did not answer within 8 s', 'TimeoutError')]) assert.equal(worthRetrying(error), false, error.message);
});

test('retries until the request works or the pauses are spent; a cancel stops the wait', async () => {
  let calls = 0;
  const signal = new AbortController().signal;
  assert.equal(await withRetries(async () => (++calls < 3 ? Promise.reject(httpError(503)) : 'ok'), signal, [1, 1, 1]), 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(withRetries(async () => (calls++, Promise.reject(httpError(503))), signal, [1, 1]), /HTTP 503/);
  assert.equal(calls, 3, 'the first try and one per pause');
  calls = 0;
  await assert.rejects(withRetries(async () => (calls++, Promise.reject(httpError(500))), signal, [1, 1]), /HTTP 500/);
  assert.equal(calls, 1, 'not worth retrying');
  const cancel = new AbortController();
  const waiting = withRetries(() => Promise.reject(httpError(503)), cancel.signal, [60_000]);
  await new Promise((resolve) => setTimeout(resolve, 10)); // now in its minute-long pause
  cancel.abort(new Error('cancelled by the user'));
  await assert.rejects(waiting, /cancelled by the user/);
});
