import type { Sql } from 'postgres';
import { intArgument } from './arguments';
import { nowMs } from './processes';

/** Generated job history for the benchmarks that need a big `jobs` table (export, pages). */

/** Rows per INSERT … SELECT while filling, so that progress shows and no transaction is huge. */
const FILL_CHUNK = 500_000;

const count = (value: number) => Math.round(value).toLocaleString('en-US');

export interface FillOptions {
  rows: number;
  ownerIds: string[];
  smallTask: string;
  smallRows: number;
}

/** `--rows N`, `defaultRows` without it. */
export function rowsFromArguments(defaultRows: number, min: number): number {
  return intArgument('rows', defaultRows, min, 100_000_000);
}

/**
 * Fills `jobs` with generated history, newest last: ended jobs over the last 50 days (inside the
 * retention period, so prune-history leaves them), owned by the admin or from the command line,
 * text with commas and quotes, a few cells a spreadsheet would run as formulas, some cleared.
 * The NOTIFY-per-row trigger is off meanwhile: a million notifications would only fill the queue.
 * Owners take turns through `ownerIds`; every `rows / smallRows`th row is of `smallTask`.
 */
export async function fillHistory(client: Sql, options: FillOptions, log: (message: string) => void) {
  const { rows, ownerIds, smallTask, smallRows } = options;
  const step = Math.floor(rows / smallRows);
  const started = nowMs();
  await client`alter table jobs disable trigger jobs_publish_event`;
  for (let first = 1; first <= rows; first += FILL_CHUNK) {
    const last = Math.min(rows, first + FILL_CHUNK - 1);
    await client`
      insert into jobs (task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url,
                        progress, message, warnings, errors, attempts, max_attempts, created_at, run_at,
                        started_at, finished_at, updated_at, error, cleared_at, cleared_by)
      select task, title, status::job_status, priority::job_priority, queue, jsonb_build_object('batch', i % 1000),
             origin::job_origin, case when origin = 'cli' then null else (${ownerIds}::uuid[])[1 + i % ${ownerIds.length}] end,
             case when origin = 'cli' then 'deploy' end,
             case when i % 4 = 0 then 'https://archive.example.test/descriptions/' || i end,
             1, message, warnings, errors, attempts, 3, created, created, started, finished,
             coalesce(finished, created), error,
             case when i % 25 = 3 then finished + interval '1 day' end,
             case when i % 25 = 3 and origin <> 'cli' then (${ownerIds}::uuid[])[1 + i % ${ownerIds.length}] end
      from (
        select i, t.task, t.status, t.origin, t.created,
               (array['normal', 'normal', 'normal', 'high', 'low', 'critical'])[1 + i % 6] as priority,
               case when i % 9 = 0 then 'reports' else 'default' end as queue,
               format((array['Import accessions, batch %s', 'Rebuild the search index (part %s)', 'Finding aid "Fonds %s"',
                             'Nightly history report %s', 'Export descriptions %s to EAD'])[1 + i % 5], i) as title,
               case
                 when i % 97 = 0 then '=HYPERLINK("http://example.test/' || i || '")'
                 when t.status = 'failed' then format('Stopped at record %s: "%s" has no date, so it was skipped', i % 5000, 'Accession ' || i)
                 when t.status = 'cancelled' then 'Cancelled by export-bench@example.test'
                 else format('Processed %s records, %s skipped', 1 + i % 5000, i % 3)
               end as message,
               case when i % 7 = 0 then i % 4 else 0 end as warnings,
               case when t.status = 'failed' then 1 + i % 3 else 0 end as errors,
               case when t.status = 'failed' then 3 else 1 end as attempts,
               case when t.status = 'failed' then format('TypeError: cannot read "date" of record %s, field %s', i, i % 40) end as error,
               case when t.status = 'cancelled' and i % 2 = 0 then null else t.created + interval '2 seconds' end as started,
               t.created + interval '2 seconds' + (i % 600000) * interval '1 millisecond' as finished
        from (
          select i,
                 case when i % ${step} = 0 then ${smallTask}
                      else (array['long-running', 'csv-import-check', 'bulk-action', 'failing', 'queue-maintenance'])[1 + i % 5] end as task,
                 case when i % 20 in (1, 11) then 'failed' when i % 20 = 5 then 'cancelled' else 'completed' end as status,
                 case when i % 10 = 7 then 'cli' when i % 10 = 8 then 'schedule' else 'web' end as origin,
                 now() - interval '50 days' + (i::float8 / ${rows}) * interval '50 days' as created
          from generate_series(${first}::bigint, ${last}::bigint) as i
        ) t
      ) generated`;
    log(`filled ${count(last)} of ${count(rows)} rows (${((nowMs() - started) / 1000).toFixed(0)} s)`);
  }
  await client`alter table jobs enable trigger jobs_publish_event`;
  const seconds = (nowMs() - started) / 1000;
  const vacuumStarted = nowMs();
  // VACUUM as well as ANALYZE: it sets the hint bits, so the first export does not write the table.
  await client`vacuum (analyze) jobs`;
  const vacuumSeconds = (nowMs() - vacuumStarted) / 1000;
  const [size] = await client<{ bytes: string }[]>`select pg_total_relation_size('jobs')::text as bytes`;
  return { seconds, vacuumSeconds, megabytes: Number(size!.bytes) / 1e6 };
}

