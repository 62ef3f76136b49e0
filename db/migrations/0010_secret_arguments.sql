CREATE TABLE "job_secrets" (
	"job_id" bigint PRIMARY KEY NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "secret_payload" jsonb;--> statement-breakpoint
ALTER TABLE "job_secrets" ADD CONSTRAINT "job_secrets_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;