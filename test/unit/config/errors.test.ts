import { join } from 'node:path';
import { formatConfigError, levenshtein, nearest } from '../../../src/config/errors';
import { loadConfigText } from '../../../src/config/load';

// Every refusal of `after-hours validate`, as FILE:LINE:COL: message, at the offending key
// or value. Files are written inline; relative paths resolve against test/fixtures/config.

const DIR = join(__dirname, '..', '..', 'fixtures', 'config');
const FILE = join(DIR, 'test.yaml');
const NOW = Date.UTC(2026, 5, 1);

/** Problems as `test.yaml:LINE:COL: message`, with the fixture folder shown as `<dir>`. */
function problems(text: string): string[] {
  const r = loadConfigText(FILE, text, { now: NOW });
  if (r.ok) return [];
  return r.errors.map((e) => formatConfigError(e).replace(FILE, 'test.yaml').split(DIR).join('<dir>'));
}

// Lines 1-5; numbers follow from line 6.
const HEAD = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: "09:00-17:00"
numbers:
`;
const NUMBER = `  - did: "+48 22 123 45 67"\n`; // line 6

describe('YAML itself', () => {
  it.each<[string, string, string[]]>([
    [
      'an unclosed flow sequence',
      HEAD + NUMBER + '    name: [unclosed\n',
      ['test.yaml:8:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ],
    ['an unclosed quote', 'numbers:\n  - did: "+48 22 123 45 67\n    name: x\n', ['test.yaml:4:1: YAML syntax: Missing closing "quote']],
    ['a tab as indentation', 'numbers:\n\t- did: 1\n', ['test.yaml:2:1: YAML syntax: Tabs are not allowed as indentation']],
    [
      'a wrongly indented key',
      'numbers:\n  - did: "+48 22 123 45 67"\n   name: x\n',
      ['test.yaml:3:1: YAML syntax: Sequence item without - indicator'],
    ],
    ['a key given twice', HEAD + NUMBER + '    name: A\n    name: B\n', ['test.yaml:8:5: YAML syntax: Map keys must be unique']],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it.each([
    ['an empty file', ''],
    ['only whitespace', '  \n\n'],
    ['only comments', '# nothing here yet\n\n# still nothing\n'],
  ])('%s', (_name, text) => {
    expect(problems(text)).toEqual(['test.yaml:1:1: the file is empty: it needs at least "numbers:"']);
  });

  it('a scalar instead of a map', () => {
    expect(problems('just a string\n')).toEqual([
      'test.yaml:1:1: the file must be a map with "numbers:" (and optionally "defaults:", "forwarding:")',
    ]);
  });

  it('no numbers', () => {
    expect(problems('defaults:\n  region: PL\n')).toEqual(['test.yaml:1:1: the file needs "numbers"']);
  });
});

describe('shape (the JSON Schema)', () => {
  it.each<[string, string, string[]]>([
    [
      'an unknown top-level key, with the near one',
      'numbrs: []\n',
      ['test.yaml:1:1: the file needs "numbers"', 'test.yaml:1:1: unknown key "numbrs" in the file (did you mean "numbers"?)'],
    ],
    [
      'an unknown key in a number, with the near one',
      HEAD + NUMBER + '    timezon: Europe/Warsaw\n',
      ['test.yaml:7:5: unknown key "timezon" in numbers[0] (did you mean "timezone"?)'],
    ],
    [
      'an unknown key deep inside, with the near one',
      HEAD + NUMBER + '    afterHours:\n      action: voicemail\n      voicemail: { greting: x.wav }\n',
      ['test.yaml:9:20: unknown key "greting" in numbers[0].afterHours.voicemail (did you mean "greeting"?)'],
    ],
    [
      'an unknown key with nothing near: the allowed keys',
      HEAD + NUMBER + '    xyzzy: 1\n',
      [
        'test.yaml:7:5: unknown key "xyzzy" in numbers[0] (expected one of: did, name, timezone, hours, daysOff, holidays, afterHours, daysOffAfterHours, callers, crm, language, fastPath)',
      ],
    ],
    [
      'an unknown key in defaults',
      'defaults:\n  timezon: Europe/Warsaw\nnumbers: []\n',
      ['test.yaml:2:3: unknown key "timezon" in defaults (did you mean "timezone"?)'],
    ],
    [
      'an action that is not one',
      HEAD + NUMBER + '    afterHours:\n      action: voicemial\n',
      ['test.yaml:8:15: numbers[0].afterHours.action must be one of: voicemail, forward, hangup, dialplan (got "voicemial")'],
    ],
    [
      'a wrong type',
      HEAD + NUMBER + '    afterHours:\n      voicemail: { maxSeconds: "long" }\n',
      ['test.yaml:8:32: numbers[0].afterHours.voicemail.maxSeconds must be integer (got "long")'],
    ],
    [
      'a day off that is not a weekday',
      HEAD + NUMBER + '    daysOff: [sunday]\n',
      ['test.yaml:7:15: numbers[0].daysOff[0] must be one of: mon, tue, wed, thu, fri, sat, sun (got "sunday")'],
    ],
    ['a number without did', HEAD + '  - name: Nameless\n', ['test.yaml:6:5: numbers[0] needs "did"']],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });
});

describe('time zones', () => {
  it('an unknown IANA zone on a number', () => {
    expect(problems(HEAD + NUMBER + '    timezone: Europe/Warsw\n')).toEqual([
      'test.yaml:7:15: unknown time zone "Europe/Warsw" (use an IANA name such as Europe/Warsaw)',
    ]);
  });
  it('an unknown IANA zone in defaults is reported once, where it is written', () => {
    const text =
      'defaults:\n  timezone: Mars/Base\n  hours: "09:00-17:00"\nnumbers:\n  - did: "+48 22 123 45 67"\n  - did: "+48 22 123 45 68"\n';
    expect(problems(text)).toEqual(['test.yaml:2:13: unknown time zone "Mars/Base" (use an IANA name such as Europe/Warsaw)']);
  });
  it('no zone anywhere', () => {
    expect(problems('numbers:\n  - did: "+48 22 123 45 67"\n    hours: "09:00-17:00"\n')).toEqual([
      'test.yaml:2:5: no timezone: set "timezone" on the number or in defaults',
    ]);
  });
});

describe('hours', () => {
  const hours = (lines: string) => problems(HEAD + NUMBER + '    hours:\n' + lines);

  it('malformed times, each at its own position (a list item, a map value)', () => {
    expect(
      hours(
        '      mon: ["08:00-12:00", "25:00-26:00"]\n      tue: "9-17"\n      wed: "08:60-09:00"\n      thu: "08:00-24:30"\n      fri: "08:00-12:00-13:00"\n',
      ),
    ).toEqual([
      'test.yaml:8:28: "25:00-26:00": start 25:00 is not a time of day',
      'test.yaml:9:12: "9-17" is not a time range like "08:00-17:00"',
      'test.yaml:10:12: "08:60-09:00": start 08:60 is not a time of day',
      'test.yaml:11:12: "08:00-24:30": end 24:30 is not a time of day (24:00 is the latest)',
      'test.yaml:12:12: "08:00-12:00-13:00" is not a time range like "08:00-17:00"',
    ]);
  });

  it('a start of 24:00 is refused, an end of 24:00 is not', () => {
    expect(hours('      mon: "24:00-02:00"\n')).toEqual(['test.yaml:8:12: "24:00-02:00": start 24:00 is not a time of day']);
    expect(hours('      mon: "20:00-24:00"\n')).toEqual([]);
  });

  it('a zero-length range', () => {
    expect(hours('      mon: "09:00-09:00"\n')).toEqual(['test.yaml:8:12: "09:00-09:00" is zero-length (start equals end)']);
  });

  it('overlapping ranges on one day, once per pair with every weekday it hits', () => {
    expect(hours('      mon-fri: ["08:00-12:00", "11:00-17:00"]\n')).toEqual([
      'test.yaml:8:16: ranges 08:00-12:00 and 11:00-17:00 overlap on mon, tue, wed, thu, fri',
    ]);
  });

  it("an overnight range overlapping a range on its own date (the part after midnight is the next date's)", () => {
    expect(hours('      fri: ["08:00-23:00", "22:00-06:00"]\n')).toEqual([
      'test.yaml:8:12: ranges 08:00-23:00 and 22:00-06:00 overlap on fri',
    ]);
    expect(hours('      fri: ["08:00-12:00", "22:00-06:00"]\n      sat: "05:00-09:00"\n')).toEqual([]);
  });

  it('a weekday given twice, across keys and inside one key', () => {
    expect(hours('      mon-fri: "09:00-17:00"\n      fri: "10:00-12:00"\n')).toEqual([
      'test.yaml:9:7: fri given twice (also in "mon-fri")',
    ]);
    expect(hours('      mon,mon: "09:00-17:00"\n')).toEqual(['test.yaml:8:7: hours key "mon,mon" names a weekday twice']);
    expect(hours('      sat-mon: "09:00-17:00"\n      sun,tue: "10:00-12:00"\n')).toEqual([
      'test.yaml:9:7: sun given twice (also in "sat-mon")',
    ]);
  });

  it('a key that is not a weekday', () => {
    expect(hours('      monday: "09:00-17:00"\n')).toEqual([
      'test.yaml:8:7: hours key "monday" is not a weekday (mon, tue, wed, thu, fri, sat, sun)',
    ]);
    expect(hours('      mon-fri-sun: "09:00-17:00"\n')).toEqual([
      'test.yaml:8:7: hours key "mon-fri-sun" is not a weekday or weekday range',
    ]);
  });

  it('problems in defaults.hours are reported once, where they are written', () => {
    const text =
      'defaults:\n  timezone: Europe/Warsaw\n  region: PL\n  hours: ["08:00-12:00", "10:00-14:00"]\nnumbers:\n  - did: "+48 22 123 45 67"\n  - did: "+48 22 123 45 68"\n';
    expect(problems(text)).toEqual(['test.yaml:4:10: ranges 08:00-12:00 and 10:00-14:00 overlap on mon, tue, wed, thu, fri, sat, sun']);
  });

  it('no hours anywhere', () => {
    expect(problems('defaults:\n  timezone: Europe/Warsaw\n  region: PL\nnumbers:\n  - did: "+48 22 123 45 67"\n')).toEqual([
      'test.yaml:5:5: no hours: set "hours" on the number or in defaults (use {} for a number that is always closed)',
    ]);
  });
});

describe('DIDs', () => {
  it('impossible numbers', () => {
    expect(problems(HEAD + '  - did: "+48 123"\n')).toEqual(['test.yaml:6:10: did: "+48 123" is not a valid phone number for PL']);
    expect(problems(HEAD + '  - did: "hello"\n')).toEqual([
      'test.yaml:6:10: did: "hello" is not a phone number (read with default region PL)',
    ]);
  });

  it('duplicates compared as E.164 ("+48 22 123 45 67", "22 123 45 67" with region PL, "+48221234567")', () => {
    expect(problems(HEAD + NUMBER + '  - did: "22 123 45 67"\n  - did: "+48221234567"\n')).toEqual([
      'test.yaml:7:10: did +48221234567 is already configured at line 6',
      'test.yaml:8:10: did +48221234567 is already configured at line 6',
    ]);
  });
});

describe('forward targets', () => {
  const forward = (to: string, head = HEAD) =>
    problems(head + NUMBER + `    afterHours:\n      action: forward\n      forward: { to: "${to}" }\n`);

  it('not international', () => {
    expect(forward('601 234 567')).toEqual([
      'test.yaml:9:22: forward target "601 234 567" must be in international format (+country code)',
    ]);
  });
  it('not valid', () => {
    expect(forward('+48 123')).toEqual(['test.yaml:9:22: forward target "+48 123" is not a valid phone number']);
  });
  it('premium-rate (max metadata), in Poland and in the UK', () => {
    expect(forward('+48700123456')).toEqual(['test.yaml:9:22: forward target "+48700123456" is a premium-rate number (toll-fraud guard)']);
    expect(forward('+44 9098 790000')).toEqual([
      'test.yaml:9:22: forward target "+44 9098 790000" is a premium-rate number (toll-fraud guard)',
    ]);
  });
  it('outside forwarding.allowCountries', () => {
    expect(forward('+49 30 901820', 'forwarding:\n  allowCountries: [PL]\n' + HEAD)).toEqual([
      'test.yaml:11:22: forward target "+49 30 901820" is in DE, outside the allowed countries (PL)',
    ]);
  });
  it('a valid international mobile passes', () => {
    expect(forward('+48 601 234 567')).toEqual([]);
  });
  it('action forward without a target, on the number and inherited from defaults', () => {
    expect(problems(HEAD + NUMBER + '    afterHours:\n      action: forward\n')).toEqual([
      'test.yaml:8:15: action "forward" needs afterHours.forward.to (an international number)',
    ]);
    const text =
      'defaults:\n  timezone: Europe/Warsaw\n  region: PL\n  hours: "09:00-17:00"\n  afterHours: { action: forward }\nnumbers:\n  - did: "+48 22 123 45 67"\n';
    expect(problems(text)).toEqual([
      'test.yaml:7:10: the after-hours action "forward" from defaults needs afterHours.forward.to on this number or in defaults',
    ]);
  });
});

describe('greeting and announcement files', () => {
  const greeting = (file: string) => problems(HEAD + NUMBER + `    afterHours:\n      voicemail: { greeting: ${file} }\n`);

  it.each([
    ['missing', 'sounds/nope.wav', 'audio file <dir>/sounds/nope.wav does not exist'],
    [
      'a text file',
      'sounds/notes.txt',
      '<dir>/sounds/notes.txt is not an audio file Asterisk plays (.wav, .gsm, .ulaw, .alaw, .sln, .sln16, .g722)',
    ],
    ['a .wav without a RIFF header', 'sounds/fake.wav', '<dir>/sounds/fake.wav is not a WAV file (no RIFF/WAVE header)'],
    [
      'an MP3, with the conversion hint',
      'sounds/jingle.mp3',
      '<dir>/sounds/jingle.mp3 is MP3: store it with "after-hours sound add FILE --name NAME" and write sound:NAME here (it is converted for Asterisk), or convert it to 8 kHz mono WAV first (sox in.mp3 -r 8000 -c 1 -b 16 out.wav)',
    ],
    ['an empty .wav', 'sounds/empty.wav', 'audio file <dir>/sounds/empty.wav is empty'],
    ['a folder named like audio', 'sounds.wav', 'audio file <dir>/sounds.wav does not exist'],
  ])('greeting: %s', (_name, file, message) => {
    expect(greeting(file)).toEqual([`test.yaml:8:30: ${message}`]);
  });

  it('a real WAV, relative to the YAML folder, passes', () => {
    expect(greeting('sounds/greeting.wav')).toEqual([]);
  });

  it('sound:NAME names a stored sound: kept as written (push checks it is stored); a bad name is refused at its value', () => {
    expect(greeting('sound:christmas')).toEqual([]);
    const loaded = loadConfigText(FILE, HEAD + NUMBER + '    afterHours:\n      voicemail: { greeting: sound:christmas }\n');
    expect(loaded.ok && loaded.config.numbers[0]!.afterHours.voicemail.greeting).toBe('sound:christmas');
    expect(greeting('"sound:Christmas Eve"')).toEqual([
      'test.yaml:8:30: "Christmas Eve" is not a sound name: 1 to 63 of a-z, 0-9, "-" and "_", starting with a letter or digit (sound:NAME names a sound stored with after-hours sound add)',
    ]);
  });

  it('announcement: missing, at its value', () => {
    expect(
      problems(HEAD + NUMBER + '    afterHours:\n      action: hangup\n      hangup: { cause: busy, announcement: sounds/closed.wav }\n'),
    ).toEqual(['test.yaml:9:44: audio file <dir>/sounds/closed.wav does not exist']);
  });

  it('a bad greeting in defaults is reported once, at defaults', () => {
    const text =
      'defaults:\n  timezone: Europe/Warsaw\n  region: PL\n  hours: "09:00-17:00"\n  afterHours:\n    voicemail: { greeting: sounds/fake.wav }\nnumbers:\n  - did: "+48 22 123 45 67"\n  - did: "+48 22 123 45 68"\n';
    expect(problems(text)).toEqual(['test.yaml:6:28: <dir>/sounds/fake.wav is not a WAV file (no RIFF/WAVE header)']);
  });
});

describe('holidays', () => {
  const holidays = (lines: string) => problems(HEAD + NUMBER + '    holidays:\n' + lines);

  it('impossible dates, yearly dates and ranges, reversed ranges, and text that is no date', () => {
    expect(
      holidays(
        '      - 2026-02-30\n      - 02-30\n      - 2026-12-31..2026-12-01\n      - 2026-13-01..2026-12-31\n      - "christmas"\n      - 2025-02-29\n      - 13-01\n',
      ),
    ).toEqual([
      'test.yaml:8:9: holiday "2026-02-30" is not a real date',
      'test.yaml:9:9: holiday "02-30" is not a real month-day (MM-DD)',
      'test.yaml:10:9: holiday range "2026-12-31..2026-12-01" ends before it starts',
      'test.yaml:11:9: holiday range "2026-13-01..2026-12-31" needs two real dates as YYYY-MM-DD..YYYY-MM-DD',
      'test.yaml:12:9: holiday "christmas" is not YYYY-MM-DD, MM-DD or YYYY-MM-DD..YYYY-MM-DD',
      'test.yaml:13:9: holiday "2025-02-29" is not a real date',
      'test.yaml:14:9: holiday "13-01" is not a real month-day (MM-DD)',
    ]);
  });

  it('02-29 (yearly) and 2028-02-29 are real', () => {
    expect(holidays('      - 02-29\n      - 2028-02-29\n      - 2026-12-31..2026-12-31\n')).toEqual([]);
  });

  it('unknown countries, states and regions, and malformed entries', () => {
    expect(
      holidays(
        '      - country: XX\n      - country: DE\n        state: ZZ\n      - country: DE\n        region: A\n      - country: DE\n        state: BY\n        region: QQ\n      - country: DE\n        ics: x.ics\n      - {}\n',
      ),
    ).toEqual([
      'test.yaml:8:9: unknown country "XX" for public holidays',
      'test.yaml:9:9: unknown state "ZZ" in DE',
      'test.yaml:11:9: "region" needs "state"',
      'test.yaml:13:9: unknown region "QQ" in DE',
      'test.yaml:16:9: a holiday entry has either "ics" or "country", not both',
      'test.yaml:18:9: a holiday entry needs a date string, "date", "country" or "ics"',
    ]);
  });

  it('a country code that is not two capitals is a shape error', () => {
    expect(holidays('      - country: pl\n')).toEqual([
      'test.yaml:8:18: numbers[0].holidays[0].country must match pattern "^[A-Z]{2}$" (got "pl")',
    ]);
  });

  it('missing and unparsable iCalendar files, relative to the YAML folder', () => {
    expect(holidays('      - ics: nope.ics\n      - ics: ../ics/bad-rrule.ics\n      - ics: ../ics/not-ics.ics\n')).toEqual([
      'test.yaml:8:9: iCalendar file <dir>/nope.ics does not exist',
      `test.yaml:9:9: cannot parse iCalendar file ${join(DIR, '..', 'ics', 'bad-rrule.ics')}: Invalid FREQ value: SOMETIMES`,
      `test.yaml:10:9: ${join(DIR, '..', 'ics', 'not-ics.ics')} is not an iCalendar file (no BEGIN:VCALENDAR)`,
    ]);
  });
});

describe('every problem at once, sorted by position', () => {
  it('collects across numbers and sections', () => {
    const text =
      HEAD +
      '  - did: "+48 123"\n    timezone: Nowhere/City\n    hours: { mon: "9-5" }\n  - did: "+48 22 123 45 67"\n    holidays: [2026-02-30]\n';
    expect(problems(text)).toEqual([
      'test.yaml:6:10: did: "+48 123" is not a valid phone number for PL',
      'test.yaml:7:15: unknown time zone "Nowhere/City" (use an IANA name such as Europe/Warsaw)',
      'test.yaml:8:19: "9-5" is not a time range like "08:00-17:00"',
      'test.yaml:10:16: holiday "2026-02-30" is not a real date',
    ]);
  });
});

describe('numbers written alike', () => {
  it('a bad value repeated on several numbers is reported at each of them', () => {
    const text =
      HEAD +
      '  - did: "+48 22 123 45 67"\n    hours: { mon: "9-5" }\n    holidays: [2026-02-30]\n  - did: "+48 22 123 45 68"\n    hours: { mon: "9-5" }\n    holidays: [2026-02-30]\n';
    expect(problems(text)).toEqual([
      'test.yaml:7:19: "9-5" is not a time range like "08:00-17:00"',
      'test.yaml:8:16: holiday "2026-02-30" is not a real date',
      'test.yaml:10:19: "9-5" is not a time range like "08:00-17:00"',
      'test.yaml:11:16: holiday "2026-02-30" is not a real date',
    ]);
  });
});

describe('suggestions', () => {
  it('levenshtein and nearest', () => {
    expect(levenshtein('timezon', 'timezone')).toBe(1);
    expect(nearest('Numbers', ['numbers', 'defaults'])).toBe('numbers');
    expect(nearest('xyzzy', ['numbers', 'defaults'])).toBeUndefined();
  });
});
