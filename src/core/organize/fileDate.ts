/**
 * When a file was made, for names and month folders: the photo's EXIF date, else a timestamp in its own name (the
 * names screenshot tools and phones give: macOS "Screenshot 2025-05-02 at 11.03.19", Windows "Screenshot
 * 2025-05-02 110319", Android "Screenshot_20250502-110319", "IMG_20250502_110319"), else its modification time.
 * Times are local, as the clock showed them when the file was made.
 */
export type DateSource = 'exif' | 'name' | 'modified';

export interface FileDate {
  date: Date;
  source: DateSource;
}

/** "2025:05:02 11:03:19" as EXIF writes it, or "2025-05-02 11:03:19" as a record keeps it (the seconds may be missing). */
const EXIF = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/;

/**
 * A date and a time in a name: year-month-day with or without separators, then (after " at ", a space, "_" or
 * "-") hours, minutes and seconds with dots, dashes, colons or nothing between, and an optional AM/PM (older
 * macOS: "Screen Shot 2020-01-09 at 1.02.03 PM").
 */
const NAME_STAMP = /(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:(?: at |[ _-])(\d{1,2})[.:-]?(\d{2})[.:-]?(\d{2})(?!\d)(?:\s?([AaPp][Mm]))?)?/;

function valid(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date | undefined {
  if (year < 1970 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(year, month - 1, day, hour, minute, second);
  // Rejects 2025-02-31 and the like, which Date would roll into March.
  return date.getMonth() === month - 1 && date.getDate() === day ? date : undefined;
}

export function exifDate(text: string | undefined): Date | undefined {
  const match = text ? EXIF.exec(text.trim()) : null;
  if (!match) return undefined;
  // The seconds group is undefined when EXIF leaves them out.
  const [year, month, day, hour, minute, second] = match.slice(1).map((part: string | undefined) => Number(part ?? 0));
  return valid(year, month, day, hour, minute, second);
}

export function nameDate(fileName: string): Date | undefined {
  const match = NAME_STAMP.exec(fileName);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1, 4).map(Number);
  // Optional groups are undefined when a name has a date and no time, or no AM/PM.
  const [hours, minutes, seconds, ampm] = match.slice(4) as Array<string | undefined>;
  if (hours === undefined) return valid(year, month, day);
  let hour = Number(hours);
  const meridiem = ampm?.toLowerCase();
  if (meridiem === 'pm' && hour < 12) hour += 12;
  if (meridiem === 'am' && hour === 12) hour = 0;
  return valid(year, month, day, hour, Number(minutes), Number(seconds));
}

export function fileDate(fileName: string, exif: string | undefined, mtimeMs: number): FileDate {
  const fromExif = exifDate(exif);
  if (fromExif) return { date: fromExif, source: 'exif' };
  const fromName = nameDate(fileName);
  if (fromName) return { date: fromName, source: 'name' };
  return { date: new Date(mtimeMs), source: 'modified' };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2025-05-02": sorts by name as by date. */
export function isoDay(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "11.03": no colon, which Windows forbids in names. */
export function clockTime(date: Date): string {
  return `${pad(date.getHours())}.${pad(date.getMinutes())}`;
}

/** "2025-05": a month folder. */
export function isoMonth(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}`;
}
