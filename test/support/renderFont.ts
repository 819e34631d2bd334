/**
 * Text rendered with a real font through ffmpeg's drawtext (FreeType), for scripts jimp's bitmap font lacks —
 * umlauts, accents, Japanese, Chinese. Fonts come from Debian packages (fonts-dejavu-core, fonts-noto-cjk);
 * `fontMissing` says which to install when one is absent, for a test's skip message.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fontconfig families, and the file that says the package is installed. */
export const FONTS = {
  latin: { family: 'DejaVu Sans', file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', debian: 'fonts-dejavu-core' },
  japanese: { family: 'Noto Sans CJK JP', file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', debian: 'fonts-noto-cjk' },
  chinese: { family: 'Noto Sans CJK SC', file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', debian: 'fonts-noto-cjk' },
} as const;

export type FontName = keyof typeof FONTS;

export function fontMissing(font: FontName): string | false {
  return existsSync(FONTS[font].file) ? false : `the font ${FONTS[font].file} is missing (Debian: apt-get install ${FONTS[font].debian}) — skipped`;
}

/** A PNG of `lines`, black on white, 36 px text. */
export async function renderWithFont(ffmpeg: string, lines: string[], font: FontName, width = 1000): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-font-'));
  try {
    const textFile = path.join(dir, 'text.txt');
    const out = path.join(dir, 'out.png');
    await writeFile(textFile, lines.join('\n'));
    // Our own temporary paths, without ':' or quotes, so the filter needs no escaping.
    const filter = `drawtext=font=${FONTS[font].family}:textfile=${textFile}:fontsize=36:fontcolor=black:x=30:y=30:line_spacing=20`;
    await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=white:s=${width}x${60 + lines.length * 56}`, '-vf', filter, '-frames:v', '1', '-y', out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
