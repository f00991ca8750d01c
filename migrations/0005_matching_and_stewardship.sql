CREATE TYPE "public"."steward_task_status" AS ENUM('open', 'merged', 'rejected');--> statement-breakpoint
CREATE TABLE "golden_aliases" (
	"alias_id" uuid PRIMARY KEY NOT NULL,
	"entity" text NOT NULL,
	"alias_code" text NOT NULL,
	"golden_id" uuid NOT NULL,
	"source_record_ids" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"merged_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"merged_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "golden_overrides" (
	"entity" text NOT NULL,
	"golden_id" uuid NOT NULL,
	"field" text NOT NULL,
	"value" jsonb,
	"set_by" text NOT NULL,
	"set_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"reason" text,
	CONSTRAINT "golden_overrides_entity_golden_id_field_pk" PRIMARY KEY("entity","golden_id","field")
);
--> statement-breakpoint
CREATE TABLE "not_a_match" (
	"source_record_id" bigint NOT NULL,
	"golden_id" uuid NOT NULL,
	"entity" text NOT NULL,
	"decided_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"decided_by" text NOT NULL,
	"reason" text,
	CONSTRAINT "not_a_match_source_record_id_golden_id_pk" PRIMARY KEY("source_record_id","golden_id")
);
--> statement-breakpoint
CREATE TABLE "steward_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"entity" text NOT NULL,
	"source_record_id" bigint NOT NULL,
	"candidates" jsonb NOT NULL,
	"status" "steward_task_status" DEFAULT 'open' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"decided_by" text,
	"merged_into" uuid,
	"reason" text
);
--> statement-breakpoint
ALTER TABLE "not_a_match" ADD CONSTRAINT "not_a_match_source_record_id_source_records_id_fk" FOREIGN KEY ("source_record_id") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steward_tasks" ADD CONSTRAINT "steward_tasks_source_record_id_source_records_id_fk" FOREIGN KEY ("source_record_id") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "golden_aliases_code_idx" ON "golden_aliases" USING btree ("entity","alias_code");--> statement-breakpoint
CREATE INDEX "golden_aliases_golden_idx" ON "golden_aliases" USING btree ("entity","golden_id");--> statement-breakpoint
CREATE INDEX "not_a_match_golden_idx" ON "not_a_match" USING btree ("golden_id");--> statement-breakpoint
CREATE INDEX "steward_tasks_queue_idx" ON "steward_tasks" USING btree ("entity","status","created_at","id");--> statement-breakpoint
CREATE INDEX "steward_tasks_status_idx" ON "steward_tasks" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "steward_tasks_open_uq" ON "steward_tasks" USING btree ("source_record_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "customers_postal_idx" ON "customers" USING btree ("country","postal_code");--> statement-breakpoint
CREATE INDEX "customers_phone_idx" ON "customers" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "customers_email_idx" ON "customers" USING btree ("email");--> statement-breakpoint
CREATE INDEX "suppliers_postal_idx" ON "suppliers" USING btree ("country","postal_code");--> statement-breakpoint
CREATE INDEX "suppliers_phone_idx" ON "suppliers" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "suppliers_email_idx" ON "suppliers" USING btree ("email");