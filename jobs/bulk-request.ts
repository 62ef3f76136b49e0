import { z } from 'zod';
import { jobPriorities } from '@/db/enums';
import { bulkActions } from './bulk-names';
import { jobFilterSchema } from './filters';

/** The most ids one selection may name (a whole view has no limit). */
const MAX_SELECTED = 1000;

/**
 * A bulk action as the jobs page, the preview and the `bulk-action` task take it: an action, and
 * either the ids of selected jobs or a view of the jobs page (its filter).
 */
export const bulkRequestSchema = z
  .object({
    action: z.enum(bulkActions, { error: `Choose an action: ${bulkActions.join(', ')}` }),
    ids: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1, 'Select at least one job').max(MAX_SELECTED, `At most ${MAX_SELECTED} selected jobs; use the whole view instead`).optional(),
    filter: jobFilterSchema.optional(),
    priority: z.enum(jobPriorities).optional(),
  })
  .refine((request) => (request.ids === undefined) !== (request.filter === undefined), { message: 'Act on selected jobs or on a whole view, not both', path: ['ids'] })
  .refine((request) => request.action !== 'priority' || request.priority !== undefined, { message: 'Choose the new priority', path: ['priority'] });

export type BulkRequest = z.infer<typeof bulkRequestSchema>;
