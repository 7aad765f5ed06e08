CREATE TABLE `retention_policies` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`periods` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `retention_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mode` text NOT NULL,
	`counts` text NOT NULL,
	`periods` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `retention_runs_tenant_time` ON `retention_runs` (`tenant_id`,`created_at`);