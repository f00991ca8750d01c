CREATE TABLE "sync_run_seen" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"source_record_ids" bigint[] NOT NULL
);
--> statement-breakpoint
DROP INDEX "source_records_seen_idx";--> statement-breakpoint
ALTER TABLE "stream_state" ADD COLUMN "last_full_read_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "sync_run_seen" ADD CONSTRAINT "sync_run_seen_run_id_sync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_run_seen_run_idx" ON "sync_run_seen" USING btree ("run_id","stream");