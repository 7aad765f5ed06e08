CREATE TABLE `tax_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`sequence` integer NOT NULL,
	`number` text NOT NULL,
	`kind` text NOT NULL,
	`invoice_type` text NOT NULL,
	`tenant_id` text NOT NULL,
	`payment_ref` text NOT NULL,
	`original_invoice_id` text,
	`reason` text,
	`seller` text NOT NULL,
	`buyer` text NOT NULL,
	`lines` text NOT NULL,
	`subtotal_halalas` integer NOT NULL,
	`vat_halalas` integer NOT NULL,
	`total_halalas` integer NOT NULL,
	`currency` text NOT NULL,
	`issued_at` integer NOT NULL,
	`qr` text NOT NULL,
	CONSTRAINT "tax_invoices_amounts" CHECK("tax_invoices"."subtotal_halalas" >= 0 AND "tax_invoices"."vat_halalas" >= 0 AND "tax_invoices"."total_halalas" = "tax_invoices"."subtotal_halalas" + "tax_invoices"."vat_halalas"),
	CONSTRAINT "tax_invoices_credit_note_original" CHECK(("tax_invoices"."kind" = 'credit_note') = ("tax_invoices"."original_invoice_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tax_invoices_sequence` ON `tax_invoices` (`sequence`);--> statement-breakpoint
CREATE UNIQUE INDEX `tax_invoices_reference` ON `tax_invoices` (`kind`,`payment_ref`);--> statement-breakpoint
CREATE INDEX `tax_invoices_tenant_sequence` ON `tax_invoices` (`tenant_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `tax_invoices_original` ON `tax_invoices` (`original_invoice_id`);--> statement-breakpoint
-- Issued tax documents are immutable (ZATCA forbids tampering): no code path updates or deletes them,
-- and these triggers refuse it even from a console or a future bug. A correction is a credit note.
CREATE TRIGGER `tax_invoices_no_update` BEFORE UPDATE ON `tax_invoices` BEGIN
	SELECT RAISE(ABORT, 'tax_invoices are immutable once issued: issue a credit note instead');
END;
--> statement-breakpoint
CREATE TRIGGER `tax_invoices_no_delete` BEFORE DELETE ON `tax_invoices` BEGIN
	SELECT RAISE(ABORT, 'tax_invoices are immutable once issued and kept for the retention period');
END;
