/** Milliseconds spent per stage of one file, summed when a stage runs several times (one OCR per frame). */
export function stageTimer(): { timings: Record<string, number>; timed: <T>(stage: string, work: () => Promise<T>) => Promise<T> } {
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round(performance.now() - start) + (timings[stage] ?? 0);
    }
  };
  return { timings, timed };
}
