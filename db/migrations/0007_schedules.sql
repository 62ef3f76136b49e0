CREATE TYPE "public"."schedule_unit" AS ENUM('minutes', 'hours', 'days', 'months');--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "schedules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" "job_priority",
	"first_run_at" timestamp with time zone NOT NULL,
	"repeat_every" integer,
	"repeat_unit" "schedule_unit",
	"active" boolean DEFAULT false NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"owner_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedules_repeat_pair" CHECK (("schedules"."repeat_every" is null) = ("schedules"."repeat_unit" is null)),
	CONSTRAINT "schedules_repeat_positive" CHECK ("schedules"."repeat_every" is null or "schedules"."repeat_every" >= 1)
);
--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_schedule_idx" ON "jobs" USING btree ("schedule_id","id" DESC NULLS LAST) WHERE "jobs"."schedule_id" is not null;