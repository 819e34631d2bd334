/**
 * The evaluation set: files with known facts, the same on every machine (version 1 — change the version with the
 * contents, so reports say which set they scored). Screenshots are rendered text; a textless photo; a voice memo
 * and a screen recording whose speech comes from espeak-ng when it is installed. `facts` are what a faithful
 * summary or title keeps verbatim (identifiers, names, dates, amounts); `material` is everything the file holds,
 * against which an identifier in the answer counts as invented.
 */
export const EVAL_SET_VERSION = 1;

export type EvalKind = 'screenshot' | 'photo' | 'voice memo' | 'recording';

export interface EvalItem {
  id: string;
  fileName: string;
  kind: EvalKind;
  /** Text on screen, a line each (screenshots, a recording's slide). */
  lines?: string[];
  /** Speech (voice memo, recording). */
  speech?: string;
  facts: string[];
}

export const EVAL_ITEMS: readonly EvalItem[] = [
  {
    id: 'invoice',
    fileName: 'Screenshot 2025-03-14 at 09.12.40.png',
    kind: 'screenshot',
    lines: ['INVOICE', 'Invoice number: INV-2025-0117', 'Bill to: Dana Whitfield', 'Date: 2025-03-14', 'Amount due: $1,284.50', 'Due by 2025-04-13'],
    facts: ['INV-2025-0117', 'Dana Whitfield', '1,284.50', '2025-04-13'],
  },
  {
    id: 'error-dialog',
    fileName: 'Screenshot 2025-03-15 at 16.02.11.png',
    kind: 'screenshot',
    lines: ['Microsoft Excel', 'Error code 0x80070005', 'Access is denied.', 'Could not save report-q1.xlsx', 'Retry    Cancel'],
    facts: ['0x80070005', 'Access is denied', 'report-q1.xlsx'],
  },
  {
    id: 'chat',
    fileName: 'Screenshot 2025-03-17 at 09.44.02.png',
    kind: 'screenshot',
    lines: ['Priya Raman  09:41', 'Can we move the design review to 3 pm?', 'Tom Becker  09:43', 'Yes, 3 pm works. Room B204.'],
    facts: ['Priya', 'Tom', '3 pm', 'B204'],
  },
  {
    id: 'calendar',
    fileName: 'Screenshot 2025-03-16 at 20.30.00.png',
    kind: 'screenshot',
    lines: ['March 2025', 'Mon 17 Mar  Dentist  08:30', 'Wed 19 Mar  Quarterly review  14:00', 'Fri 21 Mar  Flight LH123 to Munich'],
    facts: ['Dentist', 'Quarterly review', 'LH123', 'Munich'],
  },
  {
    id: 'terminal',
    fileName: 'Screenshot 2025-03-18 at 11.05.51.png',
    kind: 'screenshot',
    lines: ['$ npm test', "TypeError: Cannot read properties of undefined (reading 'map')", '    at renderList (src/list.ts:42:17)', '    at main (src/index.ts:8:3)', 'npm ERR! Test failed.'],
    facts: ['TypeError', 'renderList', 'src/list.ts:42'],
  },
  {
    id: 'shipping',
    fileName: 'Screenshot 2025-05-06 at 07.58.13.png',
    kind: 'screenshot',
    lines: ['Your package has shipped!', 'Order #112-4471983-2205', 'Carrier: UPS', 'Tracking number: 1Z999AA10123456784', 'Estimated delivery: Thursday, May 8'],
    facts: ['1Z999AA10123456784', 'UPS', 'May 8'],
  },
  { id: 'photo', fileName: 'IMG_2044.png', kind: 'photo', facts: [] },
  {
    id: 'voice-memo',
    fileName: 'Voice Memo 2025-03-19.wav',
    kind: 'voice memo',
    speech: 'Reminder. Call Marcus Lee about the lease renewal before Friday. The quote was two thousand four hundred euros.',
    facts: ['Marcus Lee', 'lease', 'Friday'],
  },
  {
    id: 'recording',
    fileName: 'Screen Recording 2025-03-20 at 10.00.00.mp4',
    kind: 'recording',
    lines: ['Sprint 42 planning', 'Ticket PAY-311: refund flow'],
    speech: 'We agreed to ship the refund flow by the second of June.',
    facts: ['PAY-311', 'refund'],
  },
];
