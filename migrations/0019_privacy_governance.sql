CREATE TABLE `breach_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`aware_at` integer NOT NULL,
	`data_categories` text NOT NULL,
	`subject_categories` text NOT NULL,
	`approx_subjects` integer NOT NULL,
	`affected_tenant_ids` text NOT NULL,
	`risks` text,
	`remedial_actions` text,
	`contact_point` text,
	`checklist` text NOT NULL,
	`regulator_notified_at` integer,
	`closed_at` integer,
	`opened_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`opened_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `breach_incidents_aware` ON `breach_incidents` (`aware_at`);--> statement-breakpoint
CREATE TABLE `breach_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`recipient` text NOT NULL,
	`tenant_id` text,
	`channel` text NOT NULL,
	`reference` text,
	`notified_at` integer NOT NULL,
	`recorded_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `breach_incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `breach_notifications_incident` ON `breach_notifications` (`incident_id`,`notified_at`);--> statement-breakpoint
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
CREATE INDEX `retention_runs_tenant_time` ON `retention_runs` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `consents_marketing_grants` ON `consents` (`occurred_at`) WHERE "consents"."purpose" = 'marketing' AND "consents"."status" = 'granted';--> statement-breakpoint
CREATE INDEX `consents_tenant_marketing` ON `consents` (`tenant_id`,`status`,`occurred_at`) WHERE "consents"."purpose" = 'marketing';