/** The names a folder holds now, lowercased (macOS and Windows folders ignore case); empty for one not made yet. */
import { readdirSync } from 'node:fs';

export function lowerCaseNamesIn(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir).map((name) => name.toLowerCase()));
  } catch {
    return new Set();
  }
}
