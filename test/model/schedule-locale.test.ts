/**
 * The schedule check parses with a fixed locale: luxon (cron-parser's date
 * library) would otherwise ask Intl for the system locale on the first parse,
 * which costs more than the parse itself. The caller's luxon setting is kept.
 */
import { scheduleProblem } from '../../src/model/schedule';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Settings } = require('luxon') as { Settings: { defaultLocale: string | null } };

test('a schedule check never asks Intl for the system locale and leaves luxon as it found it', () => {
  const calls: unknown[][] = [];
  const original = Intl.DateTimeFormat;
  const spy = jest.spyOn(Intl, 'DateTimeFormat').mockImplementation(((...args: unknown[]) => {
    calls.push(args);
    return new original(...(args as ConstructorParameters<typeof Intl.DateTimeFormat>));
  }) as unknown as typeof Intl.DateTimeFormat);
  try {
    expect(Settings.defaultLocale).toBeFalsy();
    expect(scheduleProblem('0 2 * * *')).toBeUndefined();
    expect(scheduleProblem('61 2 * * *')).toMatch(/not a valid cron expression/);
    expect(calls.filter((args) => args.length === 0 || args[0] === undefined)).toEqual([]);
    expect(Settings.defaultLocale).toBeFalsy();

    Settings.defaultLocale = 'fr-FR';
    expect(scheduleProblem('@daily')).toBeUndefined();
    expect(Settings.defaultLocale).toBe('fr-FR');
  } finally {
    Settings.defaultLocale = null;
    spy.mockRestore();
  }
});
