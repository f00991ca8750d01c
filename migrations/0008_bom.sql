CREATE TYPE "public"."bom_status" AS ENUM('draft', 'released', 'obsolete');--> statement-breakpoint
CREATE TABLE "bom_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bom_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"component_id" uuid NOT NULL,
	"quantity" numeric(18, 6) NOT NULL,
	"unit" text NOT NULL,
	"quantity_base" numeric NOT NULL,
	"scrap_percent" numeric(7, 4) DEFAULT '0' NOT NULL,
	"valid_from" date,
	"valid_to" date,
	"phantom" boolean DEFAULT false NOT NULL,
	"note" text,
	"source_system" text,
	"source_component_ref" text,
	CONSTRAINT "bom_lines_quantity_positive" CHECK ("bom_lines"."quantity" > 0 AND "bom_lines"."quantity_base" > 0),
	CONSTRAINT "bom_lines_scrap_range" CHECK ("bom_lines"."scrap_percent" >= 0 AND "bom_lines"."scrap_percent" < 100),
	CONSTRAINT "bom_lines_validity_order" CHECK ("bom_lines"."valid_to" IS NULL OR "bom_lines"."valid_from" IS NULL OR "bom_lines"."valid_from" <= "bom_lines"."valid_to")
);
--> statement-breakpoint
CREATE TABLE "bom_substitutes" (
	"line_id" uuid NOT NULL,
	"component_id" uuid NOT NULL,
	"priority" integer NOT NULL,
	"ratio" numeric(18, 6) NOT NULL,
	CONSTRAINT "bom_substitutes_line_id_component_id_pk" PRIMARY KEY("line_id","component_id"),
	CONSTRAINT "bom_substitutes_ratio_positive" CHECK ("bom_substitutes"."ratio" > 0)
);
--> statement-breakpoint
CREATE TABLE "boms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"item_id" uuid NOT NULL,
	"version_label" text NOT NULL,
	"status" "bom_status" DEFAULT 'draft' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"base_quantity" numeric(18, 6) NOT NULL,
	"valid_from" date,
	"valid_to" date,
	"description" text,
	"supersedes_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	"released_at" timestamp (3) with time zone,
	"released_by" text,
	"source_system" text,
	"source_item_ref" text,
	CONSTRAINT "boms_base_quantity_positive" CHECK ("boms"."base_quantity" > 0),
	CONSTRAINT "boms_validity_order" CHECK ("boms"."valid_to" IS NULL OR "boms"."valid_from" IS NULL OR "boms"."valid_from" <= "boms"."valid_to")
);
--> statement-breakpoint
CREATE TABLE "engineering_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"component_id" uuid NOT NULL,
	"replacement_id" uuid,
	"ratio" numeric(18, 6),
	"new_quantity" numeric(18, 6),
	"new_unit" text,
	"valid_from" date,
	"reason" text NOT NULL,
	"affected" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bom_lines" ADD CONSTRAINT "bom_lines_bom_id_boms_id_fk" FOREIGN KEY ("bom_id") REFERENCES "public"."boms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bom_lines" ADD CONSTRAINT "bom_lines_component_id_items_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bom_lines" ADD CONSTRAINT "bom_lines_unit_units_code_fk" FOREIGN KEY ("unit") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bom_substitutes" ADD CONSTRAINT "bom_substitutes_line_id_bom_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."bom_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bom_substitutes" ADD CONSTRAINT "bom_substitutes_component_id_items_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boms" ADD CONSTRAINT "boms_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "engineering_changes" ADD CONSTRAINT "engineering_changes_component_id_items_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "engineering_changes" ADD CONSTRAINT "engineering_changes_replacement_id_items_id_fk" FOREIGN KEY ("replacement_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bom_lines_position_uq" ON "bom_lines" USING btree ("bom_id","position");--> statement-breakpoint
CREATE INDEX "bom_lines_component_idx" ON "bom_lines" USING btree ("component_id");--> statement-breakpoint
CREATE INDEX "bom_substitutes_component_idx" ON "bom_substitutes" USING btree ("component_id");--> statement-breakpoint
CREATE UNIQUE INDEX "boms_item_version_uq" ON "boms" USING btree ("item_id","version_label");--> statement-breakpoint
CREATE UNIQUE INDEX "boms_default_uq" ON "boms" USING btree ("item_id") WHERE is_default;--> statement-breakpoint
CREATE INDEX "boms_effective_idx" ON "boms" USING btree ("item_id","status");--> statement-breakpoint
CREATE INDEX "engineering_changes_created_idx" ON "engineering_changes" USING btree ("created_at","id");