/** fetch() rejects with a bare "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND, …) is in `cause`. */
export function describeFetchError(error: unknown): string {
  const err = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err.message ?? String(error);
}
