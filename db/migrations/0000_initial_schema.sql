CREATE TYPE "public"."job_origin" AS ENUM('web', 'cli', 'schedule', 'api');--> statement-breakpoint
CREATE TYPE "public"."job_priority" AS ENUM('critical', 'high', 'normal', 'low');--> statement-breakpoint
CREATE TYPE "public"."job_status" AS ENUM('scheduled', 'queued', 'running', 'retrying', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."log_level" AS ENUM('info', 'warning', 'error');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('user', 'admin', 'auditor');--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"job_ids" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"job_count" integer DEFAULT 0 NOT NULL,
	"filter" jsonb,
	"origin" text NOT NULL,
	"address" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "job_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"job_id" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"level" "log_level" DEFAULT 'info' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task" text NOT NULL,
	"title" text NOT NULL,
	"status" "job_status" DEFAULT 'queued' NOT NULL,
	"priority" "job_priority" DEFAULT 'normal' NOT NULL,
	"queue" text DEFAULT 'default' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"origin" "job_origin" NOT NULL,
	"owner_id" uuid,
	"os_user" text,
	"related_url" text,
	"progress" real DEFAULT 0 NOT NULL,
	"step" text,
	"message" text,
	"warnings" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"worker_id" text,
	"result" jsonb,
	"error" text,
	"error_stack" text,
	"cancel_requested_at" timestamp with time zone,
	"cancel_requested_by" uuid,
	"cleared_at" timestamp with time zone,
	"cleared_by" uuid,
	"retry_of" bigint,
	"schedule_id" bigint,
	CONSTRAINT "jobs_progress_range" CHECK ("jobs"."progress" >= 0 and "jobs"."progress" <= 1),
	CONSTRAINT "jobs_web_has_owner" CHECK ("jobs"."origin" not in ('web', 'api') or "jobs"."owner_id" is not null),
	CONSTRAINT "jobs_cli_has_no_owner" CHECK ("jobs"."origin" <> 'cli' or ("jobs"."owner_id" is null and "jobs"."os_user" is not null)),
	CONSTRAINT "jobs_attempts_positive" CHECK ("jobs"."attempts" >= 0 and "jobs"."max_attempts" >= 1)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"role" "user_role" DEFAULT 'user' NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_email_lowercase" CHECK ("users"."email" = lower("users"."email"))
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"concurrency" integer NOT NULL,
	"running" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_logs" ADD CONSTRAINT "job_logs_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_cancel_requested_by_users_id_fk" FOREIGN KEY ("cancel_requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_cleared_by_users_id_fk" FOREIGN KEY ("cleared_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_retry_of_jobs_id_fk" FOREIGN KEY ("retry_of") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_id","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "job_logs_job_idx" ON "job_logs" USING btree ("job_id","id");--> statement-breakpoint
CREATE INDEX "jobs_listed_idx" ON "jobs" USING btree ("id" DESC NULLS LAST) WHERE "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_owner_listed_idx" ON "jobs" USING btree ("owner_id","id" DESC NULLS LAST) WHERE "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_active_idx" ON "jobs" USING btree ("id" DESC NULLS LAST) WHERE "jobs"."status" in ('scheduled', 'queued', 'retrying', 'running');--> statement-breakpoint
CREATE INDEX "jobs_failed_idx" ON "jobs" USING btree ("id" DESC NULLS LAST) WHERE "jobs"."status" = 'failed' and "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_owner_failed_idx" ON "jobs" USING btree ("owner_id","id" DESC NULLS LAST) WHERE "jobs"."status" = 'failed' and "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_cli_listed_idx" ON "jobs" USING btree ("id" DESC NULLS LAST) WHERE "jobs"."origin" = 'cli' and "jobs"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_retry_of_idx" ON "jobs" USING btree ("retry_of") WHERE "jobs"."retry_of" is not null;