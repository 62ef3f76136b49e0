import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb, getSqlClient } from '@/db/client';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { recordAudit } from './audit';
import { auditColumns, auditExportStream, listAuditEvents } from './audit-log';
import { ForbiddenError } from './errors';
import type { PersonViewer } from './viewer';

setUpTestDatabase();

let admin: PersonViewer;
let auditor: PersonViewer;
let user: PersonViewer;

beforeAll(async () => {
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
  user = await createTestUser('user');
  await recordAudit(getDb(), { viewer: admin, action: 'job.cancel', source: { origin: 'web', address: '=1+2' }, jobIds: [7] });
  await recordAudit(getDb(), { viewer: user, action: 'job.launch', source: { origin: 'web' }, jobIds: [8], details: { task: '@evil' } });
});

describe('the audit log', () => {
  it('lists newest first for admins and auditors, filtered by actor and action; users are refused', async () => {
    const all = await listAuditEvents(auditor, {});
    expect(all.rows.slice(0, 2).map((row) => row.action)).toEqual(['job.launch', 'job.cancel']);
    expect((await listAuditEvents(admin, { action: 'job.cancel' })).rows.map((row) => row.jobIds)).toEqual([[7]]);
    expect((await listAuditEvents(admin, { actor: user.email })).rows.map((row) => row.action)).toEqual(['job.launch']);
    expect((await listAuditEvents(admin, { from: '2999-01-01' })).rows).toEqual([]);
    await expect(listAuditEvents(user, {})).rejects.toThrow(ForbiddenError);
  });

  it('exports as CSV, oldest first, with formulas neutralised', async () => {
    let count = -1;
    const text = await new Response(auditExportStream({ client: getSqlClient(), viewer: auditor, filter: {}, onDone: (rows) => void (count = rows) })).text();
    expect(text.split('\r\n')[0]).toBe(auditColumns.join(','));
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const cancel = rows.find((row) => row.action === 'job.cancel')!;
    expect(cancel).toMatchObject({ actor: admin.email, role: 'admin', jobIds: '7', address: "'=1+2" });
    expect(rows.find((row) => row.action === 'job.launch')!.details).toBe('{"task": "@evil"}');
    expect(count).toBe(rows.length);
    expect(() => auditExportStream({ client: getSqlClient(), viewer: user, filter: {} })).toThrow(ForbiddenError);
  });
});
