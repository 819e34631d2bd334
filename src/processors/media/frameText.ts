/**
 * On-screen text from many frames, with the repetition of a video removed: a line already seen (the same
 * slide, a window title, a ticker) is kept once, at its first appearance, so text that appears late is not
 * drowned out and the prompt stays short.
 */
export function collapseFrameTexts(frames: Array<{ seconds: number; text: string }>): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const frame of frames) {
    const fresh = frame.text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => {
        const key = line.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
        if (!key || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    if (fresh.length > 0) blocks.push(`[${formatTimestamp(frame.seconds)}] ${fresh.join('\n')}`);
  }
  return blocks.join('\n');
}

export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
