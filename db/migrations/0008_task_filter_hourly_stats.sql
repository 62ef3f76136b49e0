CREATE TABLE "job_stats_hour" (
	"hour" timestamp with time zone NOT NULL,
	"task" text NOT NULL,
	"queue" text NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"duration_ms_sum" bigint DEFAULT 0 NOT NULL,
	"durations" integer[] NOT NULL,
	CONSTRAINT "job_stats_hour_hour_task_queue_pk" PRIMARY KEY("hour","task","queue")
);
--> statement-breakpoint
CREATE INDEX "jobs_task_listed_idx" ON "jobs" USING btree ("task","id" DESC NULLS LAST,"status") WHERE "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_owner_task_listed_idx" ON "jobs" USING btree ("owner_id","task","id" DESC NULLS LAST,"status") WHERE "jobs"."cleared_at" is null;
--> statement-breakpoint
-- The hours already rolled up per minute, summed (the histograms bucket by bucket).
INSERT INTO "job_stats_hour" ("hour", "task", "queue", "completed", "failed", "cancelled", "duration_ms_sum", "durations")
SELECT s."hour", s."task", s."queue", s."completed", s."failed", s."cancelled", s."duration_ms_sum", h."durations"
FROM (
	SELECT date_trunc('hour', "minute") AS "hour", "task", "queue", sum("completed")::int AS "completed", sum("failed")::int AS "failed",
	       sum("cancelled")::int AS "cancelled", sum("duration_ms_sum")::bigint AS "duration_ms_sum"
	FROM "job_stats_minute" GROUP BY 1, 2, 3
) s
JOIN (
	SELECT "hour", "task", "queue", array_agg("total" ORDER BY "bucket") AS "durations"
	FROM (
		SELECT date_trunc('hour', m."minute") AS "hour", m."task", m."queue", u."bucket", sum(u."count")::int AS "total"
		FROM "job_stats_minute" m, unnest(m."durations") WITH ORDINALITY AS u("count", "bucket")
		GROUP BY 1, 2, 3, 4
	) cells
	GROUP BY 1, 2, 3
) h USING ("hour", "task", "queue");
