/**
 * A cron expression as a systemd `OnCalendar=` value, built from croner's parse of it so both
 * agree on what the expression means:
 *
 *   0 *\/6 * * *        -> *-*-* 00/6:00:00
 *   30 2 * * 1-5        -> Mon..Fri *-*-* 02:30:00
 *   *\/5 * * * * *      -> *-*-* *:*:00/5
 *
 * Not convertible (the caller says so and suggests --on-calendar): `L` (last day of month),
 * `#` (nth weekday), and a day of month together with a day of week, which cron ORs and
 * systemd ANDs. A time zone is appended as systemd 235+ reads it.
 */
import { CronPattern } from 'croner';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** croner marks a plain weekday with every occurrence bit set */
const ANY_OCCURRENCE = 63;

export class CalendarConversionError extends Error {}

function selected(bits: readonly number[], offset = 0): number[] {
  return bits.flatMap((b, i) => (b ? [i + offset] : []));
}

/** `*`, `start/step`, `a..b` ranges, or a list, for values out of min..max */
function field(values: number[], min: number, max: number, pad: number): string {
  const fmt = (n: number) => String(n).padStart(pad, '0');
  if (values.length === max - min + 1) return '*';
  if (values.length >= 3) {
    const step = values[1]! - values[0]!;
    const regular = values.every((v, i) => v === values[0]! + i * step);
    // systemd's start/step repeats to the end of the range, so only a progression that does can use it
    if (regular && step > 1 && values[values.length - 1]! + step > max) return `${fmt(values[0]!)}/${step}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${fmt(values[i]!)}..${fmt(values[j]!)}` : values.slice(i, j + 1).map(fmt).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

function weekdays(days: number[]): string {
  // systemd ranges run Monday to Sunday
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => days.includes(d));
  const parts: string[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    const pos = (d: number) => (d + 6) % 7;
    while (j + 1 < order.length && pos(order[j + 1]!) === pos(order[j]!) + 1) j++;
    parts.push(j - i >= 2 ? `${WEEKDAYS[order[i]!]}..${WEEKDAYS[order[j]!]}` : order.slice(i, j + 1).map((d) => WEEKDAYS[d]).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

export function cronToOnCalendar(cron: string, timezone?: string): string {
  const p = new CronPattern(cron.trim());
  if (p.lastDayOfMonth) throw new CalendarConversionError('`L` (last day of the month) has no systemd equivalent here');
  if (p.dayOfWeek.some((v) => v !== 0 && v !== ANY_OCCURRENCE)) throw new CalendarConversionError('`#` (nth weekday of the month) has no systemd equivalent');
  if (!p.starDOM && !p.starDOW) {
    throw new CalendarConversionError('the expression restricts both day of month and day of week; cron runs when either matches, systemd only when both do');
  }
  const dow = p.starDOW ? '' : `${weekdays(selected(p.dayOfWeek))} `;
  const date = `*-${field(selected(p.month, 1), 1, 12, 2)}-${field(selected(p.day, 1), 1, 31, 2)}`;
  const time = `${field(selected(p.hour), 0, 23, 2)}:${field(selected(p.minute), 0, 59, 2)}:${field(selected(p.second), 0, 59, 2)}`;
  return `${dow}${date} ${time}${timezone ? ` ${timezone}` : ''}`;
}
