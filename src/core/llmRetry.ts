/**
 * Answers worth waiting for: the server is busy (HTTP 503, its queue is full; 429, too many requests) or is
 * restarting (connection refused after it had answered). The request is sent again after a pause that doubles;
 * everything else fails at once, and a file is pending only once the retries are spent.
 */
const PAUSES_MS = [1000, 2000, 4000, 8000];

export async function withRetries<T>(request: () => Promise<T>, signal: AbortSignal, pauses: readonly number[] = PAUSES_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (signal.aborted || attempt >= pauses.length || !worthRetrying(error)) throw error;
      await pause(pauses[attempt], signal);
    }
  }
}

export function worthRetrying(error: unknown): boolean {
  const err = error as { status_code?: number; cause?: { code?: string } };
  return err.status_code === 503 || err.status_code === 429 || err.cause?.code === 'ECONNREFUSED';
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener('abort', cancelled);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const cancelled = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('Cancelled.'));
    };
    signal.addEventListener('abort', cancelled, { once: true });
  });
}
