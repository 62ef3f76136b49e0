import { z } from 'zod';
import { jobOrigins, jobStatuses } from '@/db/enums';

/**
 * One change of a job as the event stream carries it: what the jobs page and the details page
 * show, and no more (no arguments, no result). Built by the `jobs_publish_event` trigger (migration
 * 0004) for NOTIFY, and by `eventsSince` when a client catches up. `e` is the event id: it grows
 * with every change, so a page keeps, per job, only the newest state it has seen.
 */
const isoTime = z.iso.datetime({ offset: true }).nullable();

export const jobEventSchema = z.object({
  e: z.number().int().positive(),
  id: z.number().int().positive(),
  owner: z.string().nullable(),
  origin: z.enum(jobOrigins),
  status: z.enum(jobStatuses),
  progress: z.number().min(0).max(1),
  step: z.string().nullable(),
  message: z.string().nullable(),
  attempts: z.number().int(),
  warnings: z.number().int(),
  errors: z.number().int(),
  startedAt: isoTime,
  finishedAt: isoTime,
  updatedAt: isoTime,
  cleared: z.boolean(),
  created: z.boolean(),
});

export type JobEvent = z.infer<typeof jobEventSchema>;

/** The step and the message are cut to these lengths in events (NOTIFY payloads stay small). */
export const EVENT_STEP_LENGTH = 200;
export const EVENT_MESSAGE_LENGTH = 500;
