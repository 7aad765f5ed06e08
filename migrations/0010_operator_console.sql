CREATE TABLE `operator_audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`operator_id` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`request_id` text,
	`ip` text,
	`details` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `operator_audit_events_time` ON `operator_audit_events` (`created_at`);--> statement-breakpoint
CREATE INDEX `operator_audit_events_operator` ON `operator_audit_events` (`operator_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `operator_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`code_hash` text NOT NULL,
	`channel` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operator_challenges_token_hash_unique` ON `operator_challenges` (`token_hash`);--> statement-breakpoint
CREATE INDEX `operator_challenges_user` ON `operator_challenges` (`user_id`);--> statement-breakpoint
CREATE INDEX `operator_challenges_expires_at` ON `operator_challenges` (`expires_at`);--> statement-breakpoint
CREATE TABLE `operator_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`ended_at` integer,
	`ended_reason` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operator_sessions_token_hash_unique` ON `operator_sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `operator_sessions_user` ON `operator_sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `operator_sessions_expires_at` ON `operator_sessions` (`expires_at`);