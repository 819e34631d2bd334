/** Character error rate: edit distance between OCR output and ground truth over the truth's length, whitespace folded. */
export function characterErrorRate(actual: string, expected: string): number {
  const a = fold(actual);
  const b = fold(expected);
  if (b.length === 0) return a.length === 0 ? 0 : 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] / b.length;
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
