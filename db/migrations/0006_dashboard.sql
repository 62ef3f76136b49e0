CREATE TABLE "alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"message" text NOT NULL,
	"value" real NOT NULL,
	"threshold" real NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cleared_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "console_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
CREATE TABLE "job_search" (
	"job_id" bigint PRIMARY KEY NOT NULL,
	"document" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_stats_minute" (
	"minute" timestamp with time zone NOT NULL,
	"task" text NOT NULL,
	"queue" text NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"duration_ms_sum" bigint DEFAULT 0 NOT NULL,
	"durations" integer[] NOT NULL,
	CONSTRAINT "job_stats_minute_minute_task_queue_pk" PRIMARY KEY("minute","task","queue")
);
--> statement-breakpoint
CREATE TABLE "maintenance_marks" (
	"name" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_settings" (
	"task" text PRIMARY KEY NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"note" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
ALTER TABLE "console_settings" ADD CONSTRAINT "console_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_search" ADD CONSTRAINT "job_search_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_settings" ADD CONSTRAINT "task_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_idx" ON "alerts" USING btree ("key") WHERE "alerts"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "alerts_started_idx" ON "alerts" USING btree ("started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."finished_at" is not null;--> statement-breakpoint
-- The words filter: ILIKE '%…%' over a job's title, error and arguments, served by a trigram index.
-- pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX "job_search_document_idx" ON "job_search" USING gin ("document" gin_trgm_ops);
--> statement-breakpoint
CREATE FUNCTION job_search_document(title text, error text, payload jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT title || ' ' || coalesce(error, '') || ' ' || payload::text $$;
--> statement-breakpoint
-- job_search follows jobs: written when a job is created and when its title, error or arguments
-- change, which is rare (progress and status changes leave it alone).
CREATE FUNCTION jobs_index_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO job_search (job_id, document) VALUES (NEW.id, job_search_document(NEW.title, NEW.error, NEW.payload));
  ELSIF NEW.title IS DISTINCT FROM OLD.title OR NEW.error IS DISTINCT FROM OLD.error OR NEW.payload IS DISTINCT FROM OLD.payload THEN
    UPDATE job_search SET document = job_search_document(NEW.title, NEW.error, NEW.payload) WHERE job_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_index_search_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_index_search();
--> statement-breakpoint
CREATE TRIGGER jobs_index_search_update AFTER UPDATE OF title, error, payload ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_index_search();
--> statement-breakpoint
INSERT INTO job_search (job_id, document) SELECT id, job_search_document(title, error, payload) FROM jobs;
