CREATE TABLE "job_artifacts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_artifacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"job_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"content" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "attempt_errors" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "event_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "job_artifacts" ADD CONSTRAINT "job_artifacts_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_artifacts_job_name_idx" ON "job_artifacts" USING btree ("job_id","name");--> statement-breakpoint
CREATE INDEX "jobs_event_idx" ON "jobs" USING btree ("event_id");--> statement-breakpoint
-- Live updates: every visible change of a job row takes the next id from one sequence and NOTIFYs
-- the web processes on `job_events` with a small summary (well under NOTIFY's 8000-byte limit:
-- the step and the message are cut to 200 and 500 characters). Notifications go out at commit,
-- so a rolled-back change is never announced.
CREATE SEQUENCE "job_event_seq";
--> statement-breakpoint
CREATE FUNCTION jobs_publish_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND NEW.status = OLD.status
    AND NEW.progress = OLD.progress
    AND NEW.step IS NOT DISTINCT FROM OLD.step
    AND NEW.message IS NOT DISTINCT FROM OLD.message
    AND NEW.attempts = OLD.attempts
    AND NEW.warnings = OLD.warnings
    AND NEW.errors = OLD.errors
    AND NEW.priority = OLD.priority
    AND NEW.queue = OLD.queue
    AND NEW.worker_id IS NOT DISTINCT FROM OLD.worker_id
    AND NEW.started_at IS NOT DISTINCT FROM OLD.started_at
    AND NEW.finished_at IS NOT DISTINCT FROM OLD.finished_at
    AND NEW.cleared_at IS NOT DISTINCT FROM OLD.cleared_at
    AND NEW.cancel_requested_at IS NOT DISTINCT FROM OLD.cancel_requested_at
  THEN
    -- A heartbeat or another invisible change: no event.
    NEW.event_id := OLD.event_id;
    RETURN NEW;
  END IF;
  NEW.event_id := nextval('job_event_seq');
  PERFORM pg_notify('job_events', json_build_object(
    'e', NEW.event_id,
    'id', NEW.id,
    'owner', NEW.owner_id,
    'origin', NEW.origin,
    'status', NEW.status,
    'progress', NEW.progress,
    'step', left(NEW.step, 200),
    'message', left(NEW.message, 500),
    'attempts', NEW.attempts,
    'warnings', NEW.warnings,
    'errors', NEW.errors,
    'startedAt', NEW.started_at,
    'finishedAt', NEW.finished_at,
    'updatedAt', NEW.updated_at,
    'cleared', NEW.cleared_at IS NOT NULL,
    'created', TG_OP = 'INSERT'
  )::text);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_publish_event
  BEFORE INSERT OR UPDATE ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_publish_event();
