CREATE TABLE `billing_checkouts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`plan` text NOT NULL,
	`period` text NOT NULL,
	`kind` text NOT NULL,
	`net_halalas` integer NOT NULL,
	`vat_halalas` integer NOT NULL,
	`total_halalas` integer NOT NULL,
	`status` text NOT NULL,
	`moyasar_invoice_id` text,
	`url` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `billing_checkouts_moyasar_invoice_id_unique` ON `billing_checkouts` (`moyasar_invoice_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `billing_checkouts_one_pending` ON `billing_checkouts` (`tenant_id`) WHERE "billing_checkouts"."status" = 'pending';--> statement-breakpoint
CREATE INDEX `billing_checkouts_tenant` ON `billing_checkouts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `billing_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`checkout_id` text NOT NULL,
	`moyasar_payment_id` text NOT NULL,
	`status` text NOT NULL,
	`amount_halalas` integer NOT NULL,
	`currency` text NOT NULL,
	`mismatch` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`checkout_id`) REFERENCES `billing_checkouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `billing_payments_moyasar_payment_id_unique` ON `billing_payments` (`moyasar_payment_id`);--> statement-breakpoint
CREATE INDEX `billing_payments_tenant` ON `billing_payments` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `billing_reminders` (
	`tenant_id` text NOT NULL,
	`period_end` integer NOT NULL,
	`day` integer NOT NULL,
	`kind` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `period_end`, `day`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `moyasar_webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`payment_id` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`trial_ends_at` integer,
	`current_period_start` integer NOT NULL,
	`current_period_end` integer NOT NULL,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`pending_plan` text,
	`pending_period` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `usage_counters` (
	`tenant_id` text NOT NULL,
	`metric` text NOT NULL,
	`period` text NOT NULL,
	`used` integer NOT NULL,
	`allowed` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `metric`, `period`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `dev_moyasar_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`description` text NOT NULL,
	`callback_url` text,
	`success_url` text,
	`back_url` text,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dev_moyasar_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`message` text,
	`card_last4` text NOT NULL,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
-- Tenants from before billing start the same 14-day trial as a new sign-up (TRIAL_PLAN, Growth), counted from this release.
INSERT INTO `subscriptions` (`tenant_id`, `plan`, `period`, `status`, `trial_ends_at`, `current_period_start`, `current_period_end`, `cancel_at_period_end`, `created_at`, `updated_at`)
SELECT `id`, 'growth', 'monthly', 'trialing', unixepoch() * 1000 + 1209600000, unixepoch() * 1000, unixepoch() * 1000 + 1209600000, 0, unixepoch() * 1000, unixepoch() * 1000 FROM `tenants`;
--> statement-breakpoint
-- The plan limit, enforced by the database inside the metered write's batch (src/billing/usage.ts):
-- a use that would pass the limit aborts the statement, and so rolls back the whole batch.
CREATE TRIGGER `usage_counters_limit_insert` BEFORE INSERT ON `usage_counters`
WHEN NEW.`allowed` IS NOT NULL AND NEW.`used` > NEW.`allowed`
BEGIN
	SELECT RAISE(ABORT, 'PLAN_LIMIT');
END;
--> statement-breakpoint
CREATE TRIGGER `usage_counters_limit_update` BEFORE UPDATE ON `usage_counters`
WHEN NEW.`allowed` IS NOT NULL AND NEW.`used` > NEW.`allowed`
BEGIN
	SELECT RAISE(ABORT, 'PLAN_LIMIT');
END;
