CREATE TYPE "public"."link_kind" AS ENUM('delivers', 'bills', 'serves', 'pays', 'quotes');--> statement-breakpoint
CREATE TABLE "document_links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" "link_kind" NOT NULL,
	"from_kind" "document_kind" NOT NULL,
	"from_number" text NOT NULL,
	"from_line_no" integer DEFAULT 0 NOT NULL,
	"to_kind" "document_kind" NOT NULL,
	"to_number" text NOT NULL,
	"to_line_no" integer DEFAULT 0 NOT NULL,
	"quantity" numeric(18, 6),
	"amount" numeric(18, 4),
	"stated_by_document" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "document_links_uq" ON "document_links" USING btree ("kind","from_kind","from_number","from_line_no","to_kind","to_number","to_line_no");--> statement-breakpoint
CREATE INDEX "document_links_to_idx" ON "document_links" USING btree ("to_kind","to_number");--> statement-breakpoint
CREATE INDEX "document_links_from_idx" ON "document_links" USING btree ("from_kind","from_number");