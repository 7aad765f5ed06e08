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
