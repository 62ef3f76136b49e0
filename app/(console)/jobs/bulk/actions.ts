'use server';

import { isForm } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import { BULK_INLINE_LIMIT, bulkRequestSchema, previewBulk, runBulk, type BulkRequest } from '@/jobs/bulk';
import { ForbiddenError } from '@/jobs/errors';
import { filterQuery } from '@/jobs/filters';
import { launchJob } from '@/jobs/launch';
import { requireViewer, webSource } from '@/lib/session';

/** The bulk request a form describes: ids (checked rows) or a whole view (`scope=view`, its tab). */
function requestFromForm(form: FormData): ReturnType<typeof bulkRequestSchema.safeParse> {
  const scope = form.get('scope');
  const priority = form.get('priority');
  const view = form.get('view');
  return bulkRequestSchema.safeParse({
    action: form.get('action'),
    ids: scope === 'view' ? undefined : form.getAll('ids').map((id) => Number(id)),
    filter: scope === 'view' ? Object.fromEntries(new URLSearchParams(typeof view === 'string' ? view : '')) : undefined,
    priority: form.get('action') === 'priority' && typeof priority === 'string' && priority !== '' ? priority : undefined,
  });
}

function bulkQuery(request: BulkRequest): string {
  const query = new URLSearchParams({ action: request.action });
  if (request.ids) query.set('ids', request.ids.join(','));
  if (request.filter) query.set('view', filterQuery(request.filter).toString());
  if (request.priority) query.set('priority', request.priority);
  return query.toString();
}

/** From the jobs page: go to the preview, which says how many jobs the action will touch. */
export async function previewBulkAction(form: FormData): Promise<void> {
  if (!isForm(form)) redirect('/jobs');
  await requireViewer();
  const parsed = requestFromForm(form);
  // The view as query parameters again, encoded: the field is whatever was posted, and goes into a header.
  const posted = typeof form.get('view') === 'string' ? new URLSearchParams(String(form.get('view'))).toString() : '';
  const view = posted.length <= 4000 ? posted : '';
  if (!parsed.success) redirect(`/jobs?${view}${view ? '&' : ''}bulkError=${encodeURIComponent(parsed.error.issues[0]!.message)}`);
  redirect(`/jobs/bulk?${bulkQuery(parsed.data)}`);
}

/** From the preview, confirmed: small sets at once, large ones as a background job. */
export async function runBulkAction(form: FormData): Promise<void> {
  if (!isForm(form)) redirect('/jobs');
  const viewer = await requireViewer();
  const parsed = requestFromForm(form);
  if (!parsed.success) redirect('/jobs');
  const request = parsed.data;
  const source = await webSource();
  const view = request.filter ? filterQuery(request.filter).toString() : '';
  const back = `/jobs?${view}${view ? '&' : ''}`;
  let result: { touched: number; skipped: number };
  try {
    const count = await previewBulk(getDb(), viewer, request);
    if (count > BULK_INLINE_LIMIT) {
      const jobId = await launchJob(viewer, 'bulk-action', request, source);
      redirect(`/jobs/${jobId}`);
    }
    result = await runBulk(getDb(), viewer, request, source);
  } catch (error) {
    // An auditor, or a user changing priorities: refused with the reason, as the preview does.
    if (error instanceof ForbiddenError) redirect(`${back}bulkError=${encodeURIComponent(error.message)}`);
    throw error;
  }
  revalidatePath('/jobs');
  redirect(`${back}bulkDone=${result.touched}&bulkSkipped=${result.skipped}`);
}
