CREATE TABLE `billing_credits` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`amount_halalas` integer NOT NULL,
	`reason` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`consumed_by_checkout_id` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`consumed_by_checkout_id`) REFERENCES `billing_checkouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `billing_credits_available` ON `billing_credits` (`tenant_id`,`created_at`) WHERE "billing_credits"."consumed_by_checkout_id" IS NULL;--> statement-breakpoint
ALTER TABLE `billing_checkouts` ADD `credit_halalas` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `billing_checkouts` ADD `credit_ids` text DEFAULT '[]' NOT NULL;