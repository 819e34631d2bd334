import { Jimp, loadFont } from 'jimp';
import { SANS_32_BLACK } from 'jimp/fonts';

export type RenderFormat = 'image/png' | 'image/jpeg' | 'image/bmp' | 'image/tiff' | 'image/gif';

/** Renders lines of text black on white, like a screenshot of a document, with jimp's bitmap font. */
export async function renderTextImage(lines: string[], format: RenderFormat = 'image/png', width = 900): Promise<Buffer> {
  const font = await loadFont(SANS_32_BLACK);
  const lineHeight = 48;
  const image = new Jimp({ width, height: 40 + lines.length * lineHeight, color: 0xffffffff });
  lines.forEach((text, i) => image.print({ font, x: 24, y: 20 + i * lineHeight, text }));
  return image.getBuffer(format);
}
