CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"settings" jsonb NOT NULL,
	"credentials" "bytea",
	"credential_fields" text[] DEFAULT '{}' NOT NULL,
	"schedule_every_seconds" integer,
	"schedule_cron" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit_per_second" numeric(10, 3),
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "connections_name_uq" ON "connections" USING btree ("name");--> statement-breakpoint
CREATE INDEX "connections_type_idx" ON "connections" USING btree ("type");