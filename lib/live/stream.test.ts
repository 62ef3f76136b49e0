import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs, type JobStatus } from '@/db/schema';
import { findTask } from '@/jobs/catalogue';
import { enqueueJobs } from '@/jobs/enqueue';
import type { JobEvent } from '@/jobs/events';
import type { PersonViewer, Viewer } from '@/jobs/viewer';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { EventHub, LISTENER_APPLICATION_NAME } from './hub';
import { currentEventId, openEventStream, REPLAY_LIMIT } from './stream';

const databaseUrl = setUpTestDatabase();

let hub: EventHub;
let userA: PersonViewer;
let userB: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  hub = new EventHub(databaseUrl(), { coalesceMs: 250 });
  userA = await createTestUser('user', 'a');
  userB = await createTestUser('user', 'b');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
});
afterAll(async () => {
  await hub.stop();
});

interface Message {
  id?: string;
  event: string;
  data: string;
}

/** A test client: reads an event stream and keeps its messages, parsed. */
class Client {
  readonly messages: Message[] = [];
  ended = false;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];

  constructor(viewer: Viewer, lastEventId?: number) {
    const stream = openEventStream({ hub, db: getDb(), viewer, lastEventId, signal: this.controller.signal, heartbeatMs: 60_000 });
    void this.read(stream);
  }

  get jobEvents(): JobEvent[] {
    return this.messages.filter((m) => m.event === 'job').map((m) => JSON.parse(m.data) as JobEvent);
  }

  async waitFor(predicate: (client: Client) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  ready(): Promise<void> {
    return this.waitFor((c) => c.messages.some((m) => m.event === 'ready'));
  }

  disconnect(): void {
    this.controller.abort();
  }

  private async read(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: Message = { event: 'message', data: '' };
        let isComment = true;
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon === 0) continue;
          isComment = false;
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).trimStart();
          if (field === 'id') message.id = value;
          if (field === 'event') message.event = value;
          if (field === 'data') message.data = value;
        }
        if (!isComment && message.event !== 'message') this.messages.push(message);
      }
      this.waiters.splice(0).forEach((wake) => wake());
    }
    this.ended = true;
  }
}

async function launch(owner: PersonViewer): Promise<number> {
  const [id] = await enqueueJobs(getDb(), [
    { task: findTask('long-running')!, payload: { durationSeconds: 1, steps: 1 }, origin: 'web', ownerId: owner.id, osUser: null },
  ]);
  return id!;
}

async function setStatus(id: number, status: JobStatus, extra: Partial<typeof jobs.$inferInsert> = {}) {
  await getDb().update(jobs).set({ status, updatedAt: sql`now()`, ...extra }).where(eq(jobs.id, id));
}

const statusesOf = (client: Client, id: number) => client.jobEvents.filter((e) => e.id === id).map((e) => e.status);

describe('the event stream', () => {
  it('gives a user events of their own jobs only, and admins and auditors everyone’s', async () => {
    const clients = { a: new Client(userA), b: new Client(userB), admin: new Client(admin), auditor: new Client(auditor) };
    await Promise.all(Object.values(clients).map((c) => c.ready()));
    // Four streams, one LISTEN connection.
    const [listeners] = await getDb().execute<{ count: number }>(sql`
      select count(*)::int as count from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`);
    expect(listeners!.count).toBe(1);
    const jobA = await launch(userA);
    const jobB = await launch(userB);
    for (const id of [jobA, jobB]) {
      await setStatus(id, 'running', { startedAt: new Date() });
      await setStatus(id, 'completed', { finishedAt: new Date(), progress: 1, message: 'All done' });
    }
    const sawBoth = (c: Client) => statusesOf(c, jobA).includes('completed') && statusesOf(c, jobB).includes('completed');
    await clients.admin.waitFor(sawBoth);
    await clients.auditor.waitFor(sawBoth);
    await clients.a.waitFor((c) => statusesOf(c, jobA).includes('completed'));
    await clients.b.waitFor((c) => statusesOf(c, jobB).includes('completed'));

    expect(statusesOf(clients.admin, jobA)).toEqual(['queued', 'running', 'completed']);
    expect(new Set(clients.a.jobEvents.map((e) => e.id))).toEqual(new Set([jobA]));
    expect(new Set(clients.b.jobEvents.map((e) => e.id))).toEqual(new Set([jobB]));
    const done = clients.a.jobEvents.at(-1)!;
    expect(done).toMatchObject({ id: jobA, owner: userA.id, origin: 'web', status: 'completed', progress: 1, message: 'All done', created: false });
    expect(clients.a.messages.filter((m) => m.event === 'job').every((m) => Number(m.id) === (JSON.parse(m.data) as JobEvent).e)).toBe(true);
    Object.values(clients).forEach((c) => c.disconnect());
  });

  it('replays what a reconnecting client missed, within its permissions', async () => {
    const before = await currentEventId(getDb());
    const jobA = await launch(userA);
    const jobB = await launch(userB);
    await setStatus(jobA, 'failed', { finishedAt: new Date(), message: 'Broke' });

    const a = new Client(userA, before);
    const b = new Client(userB, before);
    await Promise.all([a.ready(), b.ready()]);
    // One event per changed job, its state now: the page needs no more.
    expect(a.jobEvents.map((e) => [e.id, e.status, e.message])).toEqual([[jobA, 'failed', 'Broke']]);
    expect(b.jobEvents.map((e) => [e.id, e.status])).toEqual([[jobB, 'queued']]);
    // The replay comes before `ready`.
    expect(a.messages.at(-1)!.event).toBe('ready');
    a.disconnect();
    b.disconnect();
  });

  it('tells a client too far behind to reload instead of replaying', async () => {
    const before = await currentEventId(getDb());
    const task = findTask('long-running')!;
    await enqueueJobs(
      getDb(),
      Array.from({ length: REPLAY_LIMIT + 1 }, () => ({ task, payload: {}, origin: 'web' as const, ownerId: admin.id, osUser: null })),
    );
    const client = new Client(auditor, before);
    await client.ready();
    expect(client.messages.map((m) => m.event)).toEqual(['reload', 'ready']);
    expect(Number(client.messages[0]!.id)).toBeGreaterThanOrEqual(before + REPLAY_LIMIT + 1);
    client.disconnect();
  });

  it('coalesces a job’s progress but never holds back a change of status', async () => {
    const client = new Client(userA);
    await client.ready();
    const id = await launch(userA);
    await setStatus(id, 'running');
    for (let step = 1; step <= 20; step++) await setStatus(id, 'running', { progress: step / 20 });
    await setStatus(id, 'completed', { progress: 1 });
    await client.waitFor((c) => statusesOf(c, id).includes('completed'));
    const progress = client.jobEvents.filter((e) => e.id === id && e.status === 'running').map((e) => e.progress);
    // 21 changes while running, written back to back: a handful reach the client, in order.
    expect(progress.length).toBeLessThanOrEqual(5);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(statusesOf(client, id).at(-1)).toBe('completed');
    client.disconnect();
  });

  it('removes a client that goes away', async () => {
    const client = new Client(userB);
    await client.ready();
    expect(hub.subscriberCount).toBe(1);
    client.disconnect();
    await client.waitFor((c) => c.ended);
    expect(hub.subscriberCount).toBe(0);
  });

  it('ends every stream when the LISTEN connection dies, and listens again', async () => {
    const first = new Client(admin);
    await first.ready();
    const [killed] = await getDb().execute<{ killed: boolean }>(sql`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`);
    expect(killed?.killed).toBe(true);
    await first.waitFor((c) => c.ended);
    expect(hub.subscriberCount).toBe(0);

    const second = new Client(admin, await currentEventId(getDb()));
    await second.ready();
    const id = await launch(userA);
    await second.waitFor((c) => statusesOf(c, id).includes('queued'));
    second.disconnect();
  });

  it('sends nothing for a change nobody sees (a heartbeat)', async () => {
    const client = new Client(admin);
    await client.ready();
    const id = await launch(userA);
    await client.waitFor((c) => statusesOf(c, id).length === 1);
    const [row] = await getDb().select({ eventId: jobs.eventId }).from(jobs).where(eq(jobs.id, id));
    await getDb().update(jobs).set({ heartbeatAt: new Date() }).where(inArray(jobs.id, [id]));
    const [after] = await getDb().select({ eventId: jobs.eventId }).from(jobs).where(eq(jobs.id, id));
    expect(after!.eventId).toBe(row!.eventId);
    client.disconnect();
  });
});
