import { formatDuration as formatDurationInWords } from '@/lib/format';
import type { ThroughputBucket } from './types';

/** A duration in words (lib/format's), with a dash where there is none to tell. */
export function formatDuration(ms: number): string {
  return formatDurationInWords(ms) || '—';
}

// Fixed English names and UTC fields, not Intl with the viewer's locale: the server and the browser
// must print the same text, or hydration fails.
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function hoursAndMinutes(date: Date): string {
  return `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
}

/** A bucket's start for a time axis, in UTC: "14:05" for minutes, "Mon 14:00" for hours. */
export function formatBucketLabel(at: string, bucket: ThroughputBucket): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '';
  const time = hoursAndMinutes(date);
  return bucket === 'minute' ? time : `${WEEKDAYS[date.getUTCDay()]} ${time}`;
}

/** The weekday of a time in UTC ("Tue"), for a time axis too narrow for one "Tue 00:00" a day. */
export function formatWeekday(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? '' : (WEEKDAYS[date.getUTCDay()] ?? '');
}

/** A bucket's start with the date, in UTC, for tables and tooltips: "Mon 20 Oct 14:05". */
export function formatBucketTime(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '';
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${hoursAndMinutes(date)}`;
}

const counts = new Intl.NumberFormat('en-US');

/** A count with thousands separators: "12,345". */
export function formatCount(value: number): string {
  return counts.format(value);
}
