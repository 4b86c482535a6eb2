import test from 'ava';
import { cronProblem, nextRun, previousRun } from '../../../src/schedule/cron.js';
import { formatDuration, parseDuration } from '../../../src/schedule/duration.js';
import { CalendarConversionError, cronToOnCalendar } from '../../../src/schedule/on-calendar.js';

const valid = ['0 */6 * * *', '*/5 * * * * *', '@daily', '@hourly', '30 2 * * 1-5', '0 0 1 * *', '0 3 * * sun', '0 0 L * *', '0 0 * * 5#2'];
for (const cron of valid) {
  test(`cron: "${cron}" is accepted`, (t) => {
    t.is(cronProblem({ cron }), undefined);
  });
}

const invalid: [string, RegExp][] = [
  ['', /invalid cron expression/],
  ['every 6 hours', /invalid cron expression/],
  ['61 * * * *', /invalid cron expression "61 \* \* \* \*": Invalid value for minute: 61/],
  ['0 25 * * *', /Invalid value for hour/],
  ['* * * * * * *', /five or six space separated parts/],
  ['0 0 30 2 *', /never fires/],
];
for (const [cron, message] of invalid) {
  test(`cron: "${cron}" is refused with a reason`, (t) => {
    t.regex(cronProblem({ cron }) ?? '', message);
  });
}

test('cron: an unknown time zone is refused by name', (t) => {
  t.regex(cronProblem({ cron: '0 * * * *', timezone: 'Mars/Olympus' }) ?? '', /unknown time zone "Mars\/Olympus"/);
  t.is(cronProblem({ cron: '0 * * * *', timezone: 'Europe/Berlin' }), undefined);
});

test('cron: next run is computed in the job\'s time zone', (t) => {
  const from = new Date('2026-07-01T12:00:00Z');
  // 02:00 in Berlin (summer, UTC+2) is 00:00 UTC; in UTC it is 02:00
  t.is(nextRun({ cron: '0 2 * * *', timezone: 'Europe/Berlin' }, from)?.toISOString(), '2026-07-02T00:00:00.000Z');
  t.is(nextRun({ cron: '0 2 * * *', timezone: 'UTC' }, from)?.toISOString(), '2026-07-02T02:00:00.000Z');
  t.is(nextRun({ cron: '*/5 * * * * *', timezone: 'UTC' }, new Date('2026-07-01T12:00:02Z'))?.toISOString(), '2026-07-01T12:00:05.000Z');
});

test('cron: previous run is the latest tick at or before now', (t) => {
  const spec = { cron: '0 */6 * * *', timezone: 'UTC' };
  t.is(previousRun(spec, new Date('2026-11-22T10:30:00Z'))?.toISOString(), '2026-11-22T06:00:00.000Z');
  t.is(previousRun(spec, new Date('2026-11-22T12:00:00Z'))?.toISOString(), '2026-11-22T12:00:00.000Z');
  t.is(previousRun({ cron: '*/5 * * * * *', timezone: 'UTC' }, new Date('2026-11-22T10:30:07.500Z'))?.toISOString(), '2026-11-22T10:30:05.000Z');
  t.is(previousRun({ cron: '0 0 1 1 *', timezone: 'UTC' }, new Date('2026-11-22T10:30:00Z'), 86_400_000), undefined);
});

const calendars: [string, string | undefined, string][] = [
  ['0 */6 * * *', undefined, '*-*-* 00/6:00:00'],
  ['*/5 * * * * *', undefined, '*-*-* *:*:00/5'],
  ['30 2 * * 1-5', undefined, 'Mon..Fri *-*-* 02:30:00'],
  ['0 0 * * 6,0', undefined, 'Sat,Sun *-*-* 00:00:00'],
  ['0 0 1 * *', undefined, '*-*-01 00:00:00'],
  ['15,45 * * * *', undefined, '*-*-* *:15,45:00'],
  ['0 8-18 * * *', undefined, '*-*-* 08..18:00:00'],
  ['0 0-12/6 * * *', undefined, '*-*-* 00,06,12:00:00'],
  ['0 0 1 */3 *', undefined, '*-01/3-01 00:00:00'],
  ['@daily', 'Europe/Berlin', '*-*-* 00:00:00 Europe/Berlin'],
];
for (const [cron, tz, expected] of calendars) {
  test(`OnCalendar: "${cron}"${tz ? ` in ${tz}` : ''} -> ${expected}`, (t) => {
    t.is(cronToOnCalendar(cron, tz), expected);
  });
}

test('OnCalendar: what systemd cannot express is refused, with the reason', (t) => {
  t.throws(() => cronToOnCalendar('0 0 L * *'), { instanceOf: CalendarConversionError, message: /last day of the month/ });
  t.throws(() => cronToOnCalendar('0 0 * * 5#2'), { instanceOf: CalendarConversionError, message: /nth weekday/ });
  t.throws(() => cronToOnCalendar('0 0 1 * 1'), { instanceOf: CalendarConversionError, message: /cron runs when either matches/ });
});

test('durations', (t) => {
  t.is(parseDuration('90s'), 90_000);
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('1h 30m'), 5_400_000);
  t.is(parseDuration('4w'), 28 * 86_400_000);
  for (const bad of ['', '1', 'h', '1y', '1h-2m', '0s']) t.throws(() => parseDuration(bad), undefined, bad);
  t.is(formatDuration(3_200), '3.2s');
  t.is(formatDuration(42_000), '42s');
  t.is(formatDuration(3_723_000), '1h2m3s');
});
