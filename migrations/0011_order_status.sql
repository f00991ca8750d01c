CREATE TYPE "public"."invoice_status_code" AS ENUM('unpaid', 'partly_paid', 'paid');--> statement-breakpoint
CREATE TYPE "public"."sales_order_status_code" AS ENUM('to_deliver_and_bill', 'to_bill', 'to_deliver', 'completed', 'closed', 'on_hold', 'cancelled');--> statement-breakpoint
CREATE TABLE "invoice_status" (
	"invoice_id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid,
	"currency" char(3),
	"document_date" date NOT NULL,
	"due_date" date,
	"credit_note" boolean NOT NULL,
	"amount" numeric(18, 4) NOT NULL,
	"paid_amount" numeric(18, 4) NOT NULL,
	"outstanding" numeric(18, 4) NOT NULL,
	"status" "invoice_status_code" NOT NULL,
	"counts" boolean NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_status" (
	"sales_order_id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid,
	"currency" char(3),
	"document_date" date NOT NULL,
	"promised_date" date,
	"ordered" numeric(18, 6) NOT NULL,
	"delivered_pct" numeric(5, 4) NOT NULL,
	"billed_pct" numeric(5, 4) NOT NULL,
	"delivered" boolean NOT NULL,
	"billed" boolean NOT NULL,
	"invoiced_amount" numeric(18, 4) NOT NULL,
	"paid_amount" numeric(18, 4) NOT NULL,
	"outstanding" numeric(18, 4) NOT NULL,
	"status" "sales_order_status_code" NOT NULL,
	"at_risk" boolean NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invoice_status" ADD CONSTRAINT "invoice_status_invoice_id_documents_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_status" ADD CONSTRAINT "order_status_sales_order_id_documents_id_fk" FOREIGN KEY ("sales_order_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoice_status_customer_idx" ON "invoice_status" USING btree ("customer_id","due_date");--> statement-breakpoint
CREATE INDEX "order_status_date_idx" ON "order_status" USING btree ("document_date" DESC NULLS LAST,"sales_order_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "order_status_customer_idx" ON "order_status" USING btree ("customer_id","document_date" DESC NULLS LAST,"sales_order_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "order_status_status_idx" ON "order_status" USING btree ("status","document_date" DESC NULLS LAST,"sales_order_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "order_status_late_idx" ON "order_status" USING btree ("promised_date","sales_order_id") WHERE NOT "order_status"."delivered" AND "order_status"."status" NOT IN ('cancelled', 'closed');