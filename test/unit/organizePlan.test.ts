/**
 * The organize plan (src/core/organize): names safe on every OS from hostile titles, dates from EXIF, the name's
 * own timestamp or the file's time, and a plan whose targets stay inside the folder, keep their extension, are
 * unique and never an existing name; copies go to the trash with the oldest kept; files left alone say why.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { exifDate, fileDate, nameDate } from '../../src/core/organize/fileDate';
import { isGenericName, makeOrganizePlan, patternStem, type OrganizeFile } from '../../src/core/organize/plan';
import { MAX_NAME_BYTES, safeFileName, uniqueFileName } from '../../src/core/organize/safeName';
import type { FileRecord } from '../../src/core/records';

const DESKTOP = '/home/me/Desktop';
const MAY_2 = new Date(2025, 4, 2, 11, 3, 19).getTime();

function file(name: string, record: Partial<FileRecord> | undefined, mtimeMs = MAY_2): OrganizeFile {
  const filePath = path.join(DESKTOP, name);
  const kind = /\.(mp4|mov)$/i.test(name) ? 'video' : /\.(m4a|wav|mp3)$/i.test(name) ? 'audio' : 'image';
  return { path: filePath, kind, mtimeMs, record: record && { path: filePath, kind, status: 'ok', cached: true, metadata: {}, ...record } };
}

describe('safe names', () => {
  test('separators, controls, reserved characters and device names cannot reach the file system', () => {
    assert.equal(safeFileName('../../etc/passwd', '.png', 'x'), 'etc passwd.png');
    assert.equal(safeFileName('a\nFile: forged\u202egnp.exe', '.png', 'x'), 'a File forged gnp.exe.png');
    assert.equal(safeFileName('Q3: "final" <draft>?', '.jpg', 'x'), 'Q3 final draft.jpg');
    assert.equal(safeFileName('CON', '.png', 'x'), 'CON_.png');
    assert.equal(safeFileName('lpt1', '.txt', 'x'), 'lpt1_.txt');
    assert.equal(safeFileName('...   ', '.png', 'Screenshot 1'), 'Screenshot 1.png', 'an empty stem takes the fallback');
    assert.equal(safeFileName('trailing dots. . .', '.png', 'x'), 'trailing dots.png');
  });

  test('at most 255 bytes of UTF-8 with the extension and the " (n)" kept, cut on a character', () => {
    const long = '😀'.repeat(200);
    for (const suffix of ['', ' (12)']) {
      const name = safeFileName(long, '.jpeg', 'x', suffix);
      assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, `${Buffer.byteLength(name)} bytes`);
      assert.ok(name.endsWith(`${suffix}.jpeg`));
      assert.doesNotMatch(name, /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no broken character');
    }
  });

  test('collisions get " (2)", " (3)", … compared without case', () => {
    const taken = new Set(['report.png', 'report (2).png']);
    assert.equal(uniqueFileName('Report', '.png', 'x', (name) => taken.has(name)), 'Report (3).png');
  });
});

describe('file dates', () => {
  test('EXIF first, then the name\'s own timestamp in the forms tools write, else the modification time', () => {
    assert.deepEqual(exifDate('2024:12:24 18:30:05'), new Date(2024, 11, 24, 18, 30, 5));
    assert.equal(exifDate('0000:00:00 00:00:00'), undefined);
    // As the image processor stores it in a record's metadata.
    assert.deepEqual(exifDate('2025-03-15 09:30:00'), new Date(2025, 2, 15, 9, 30, 0));
    for (const [name, expected] of [
      ['Screenshot 2025-05-02 at 11.03.19.png', new Date(2025, 4, 2, 11, 3, 19)],
      ['Screen Shot 2020-01-09 at 1.02.03 PM.png', new Date(2020, 0, 9, 13, 2, 3)],
      ['Screenshot 2025-05-02 110319.png', new Date(2025, 4, 2, 11, 3, 19)],
      ['Screenshot_20250502-110319.png', new Date(2025, 4, 2, 11, 3, 19)],
      ['IMG_20250502_110319.jpg', new Date(2025, 4, 2, 11, 3, 19)],
      ['notes 2025-05-02.png', new Date(2025, 4, 2)],
    ] as const) {
      assert.deepEqual(nameDate(name), expected, name);
    }
    assert.equal(nameDate('IMG_1234.jpg'), undefined);
    assert.equal(nameDate('2025-02-31 report.png'), undefined, 'not a day');
    assert.equal(fileDate('IMG_20250502_110319.jpg', '2024:12:24 18:30:05', 0).source, 'exif');
    assert.equal(fileDate('IMG_20250502_110319.jpg', undefined, 0).source, 'name');
    assert.deepEqual(fileDate('IMG_1234.jpg', undefined, MAY_2), { date: new Date(MAY_2), source: 'modified' });
  });
});

describe('the organize plan', () => {
  const none = () => new Set<string>();

  test('names from the pattern; chosen names, unsummarized files and files already named so are left alone, saying why', () => {
    const files = [
      file('Screenshot 2025-05-02 at 11.03.19.png', { title: 'Flight LH123 boarding pass' }),
      file('IMG_1234.JPG', { title: 'Beach at sunset', metadata: { exif: { DateTime: '2024:08:15 19:02:00' } } }),
      file('tax return 2024.png', { title: 'Tax return' }),
      file('Screenshot 2025-05-03 at 09.00.00.png', undefined),
      file('Screenshot 2025-05-04 at 10.00.00.png', { status: 'pending' }),
      file('2025-05-02 Standup notes.png', { title: 'Standup notes' }),
    ];
    const plan = makeOrganizePlan(DESKTOP, files, { rename: true, duplicates: false }, none);
    assert.deepEqual(plan.steps.map((s) => [s.action, path.basename(s.from), path.basename(s.to!)]), [
      ['rename', 'IMG_1234.JPG', '2024-08-15 Beach at sunset.JPG'],
      ['rename', 'Screenshot 2025-05-02 at 11.03.19.png', '2025-05-02 Flight LH123 boarding pass.png'],
    ]);
    assert.deepEqual(Object.fromEntries(plan.skipped.map((s) => [path.basename(s.path), s.reason])), {
      '2025-05-02 Standup notes.png': 'already named so',
      'Screenshot 2025-05-03 at 09.00.00.png': 'not summarized yet',
      'Screenshot 2025-05-04 at 10.00.00.png': 'not summarized (its summary is pending or it failed)',
      'tax return 2024.png': 'it has a name someone chose',
    });
    const lower = makeOrganizePlan(DESKTOP, [files[1]], { rename: true, duplicates: false, lowerCaseExtensions: true }, none);
    assert.equal(path.basename(lower.steps[0].to!), '2024-08-15 Beach at sunset.jpg');
  });

  test('hostile titles and colliding names: targets inside the folder, extension kept, unique, never an existing name', () => {
    const hostile = ['../../outside', 'same title', 'Same Title', 'CON', 'a/b\\c', '\u0000\u202e', '😀'.repeat(120), 'same title'];
    const files = hostile.map((title, i) => file(`Screenshot 2025-05-0${(i % 9) + 1} at 11.00.0${i}.png`, { title, tags: [title] }));
    const existing = new Set(['2025-05-02 same title.png']);
    for (const by of [undefined, 'topic', 'month', 'kind'] as const) {
      const plan = makeOrganizePlan(DESKTOP, files, { rename: true, by, duplicates: false }, (dir) => (dir === DESKTOP ? existing : new Set()));
      const targets = plan.steps.map((s) => s.to!);
      for (const target of targets) {
        assert.ok(target.startsWith(`${DESKTOP}${path.sep}`) && !path.relative(DESKTOP, target).startsWith('..'), `${target} is inside the folder`);
        assert.equal(path.extname(target), '.png');
        assert.ok(Buffer.byteLength(path.basename(target)) <= MAX_NAME_BYTES);
        if (path.dirname(target) === DESKTOP) assert.ok(!existing.has(path.basename(target).toLowerCase()), `${target} exists`);
      }
      assert.equal(new Set(targets.map((t) => t.toLowerCase())).size, targets.length, `no two targets alike (${by ?? 'rename only'})`);
    }
  });

  test('folders by month, kind and first tag; a file already in its folder stays', () => {
    const files = [
      file('Screenshot 2025-05-02 at 11.03.19.png', { title: 'Boarding pass', tags: ['travel', 'flight'] }),
      file('Screen Recording 2025-06-01 at 10.00.00.mov', { title: 'Demo', tags: ['Work'] }),
      { ...file('x.m4a', { title: 'Memo', tags: [] }), path: path.join(DESKTOP, 'Audio', 'x.m4a') },
    ];
    const folders = (by: 'month' | 'kind' | 'topic') => makeOrganizePlan(DESKTOP, files, { rename: false, by, duplicates: false }, none).steps.map((s) => path.relative(DESKTOP, s.to!));
    assert.deepEqual(folders('month'), [path.join('2025-05', 'x.m4a'), path.join('2025-06', 'Screen Recording 2025-06-01 at 10.00.00.mov'), path.join('2025-05', 'Screenshot 2025-05-02 at 11.03.19.png')]);
    assert.deepEqual(folders('kind'), [path.join('Videos', 'Screen Recording 2025-06-01 at 10.00.00.mov'), path.join('Images', 'Screenshot 2025-05-02 at 11.03.19.png')]);
    assert.deepEqual(folders('topic'), [path.join('Other', 'x.m4a'), path.join('Work', 'Screen Recording 2025-06-01 at 10.00.00.mov'), path.join('Travel', 'Screenshot 2025-05-02 at 11.03.19.png')]);
  });

  test('copies go to the trash with the oldest kept; they are neither renamed nor moved', () => {
    const older = file('Screenshot 2025-05-02 at 11.03.19.png', { title: 'Boarding pass', sha256: 'aa' }, MAY_2);
    const copy = file('Screenshot 2025-05-02 at 11.03.19 copy.png', { title: 'Boarding pass', sha256: 'aa' }, MAY_2 + 60_000);
    const other = file('Screenshot 2025-05-03 at 08.00.00.png', { title: 'Receipt', sha256: 'bb' });
    const plan = makeOrganizePlan(DESKTOP, [copy, older, other], { rename: true, duplicates: true }, none);
    assert.deepEqual(plan.steps.map((s) => [s.action, path.basename(s.from)]), [
      ['trash', 'Screenshot 2025-05-02 at 11.03.19 copy.png'],
      ['rename', 'Screenshot 2025-05-02 at 11.03.19.png'],
      ['rename', 'Screenshot 2025-05-03 at 08.00.00.png'],
    ]);
    assert.match(plan.steps[0].reason, /same content as Screenshot 2025-05-02 at 11\.03\.19\.png, which is older and stays/);
  });

  test('generic names and the pattern\'s fields', () => {
    for (const name of ['Screenshot 2025-05-02 at 11.03.19', 'IMG_1234', 'PXL_20250502_110319123', 'Untitled', '20250502_110319', 'Screen Recording 2025-05-02', 'WhatsApp Image 2025-05-02']) {
      assert.ok(isGenericName(name), name);
    }
    for (const name of ['tax return 2024', 'Mum birthday', 'invoice-ACME-42']) assert.ok(!isGenericName(name), name);
    const shot = file('Screenshot 2025-05-02 at 11.03.19.png', { title: 'Boarding: pass?' });
    assert.equal(patternStem('{date} {time} {kind} {title} ({original})', shot), '2025-05-02 11.03 image Boarding pass (Screenshot 2025-05-02 at 11.03.19)');
    assert.equal(patternStem('{unknown} {title}', shot), '{unknown} Boarding pass');
  });
});
