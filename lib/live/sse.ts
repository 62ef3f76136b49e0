import type { JobEvent } from '@/jobs/events';

const encoder = new TextEncoder();

/** One `job` message of the stream. */
export function formatJobEvent(event: JobEvent): string {
  return `id: ${event.e}\nevent: job\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Several events as the bytes of one write. */
export function encodeJobEvents(events: JobEvent[]): Uint8Array {
  return encoder.encode(events.map(formatJobEvent).join(''));
}

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}
