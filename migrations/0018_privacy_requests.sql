CREATE TABLE `privacy_request_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`request_id` text NOT NULL,
	`action` text NOT NULL,
	`from_state` text,
	`to_state` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`note` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`request_id`) REFERENCES `privacy_requests`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_request_events_request` ON `privacy_request_events` (`request_id`,`at`);--> statement-breakpoint
CREATE TABLE `privacy_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`channel` text NOT NULL,
	`state` text NOT NULL,
	`requester_name` text NOT NULL,
	`requester_phone` text,
	`requester_email` text,
	`contact_id` text,
	`details` text,
	`received_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`extended_at` integer,
	`extension_days` integer,
	`extension_reason` text,
	`verified_at` integer,
	`verification_method` text,
	`verification_note` text,
	`code_hash` text,
	`code_expires_at` integer,
	`code_attempts` integer DEFAULT 0 NOT NULL,
	`copy_token_hash` text,
	`copy_token_expires_at` integer,
	`refused_reason` text,
	`completed_at` integer,
	`result` text,
	`created_by` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_requests_tenant_due` ON `privacy_requests` (`tenant_id`,`due_at`);--> statement-breakpoint
CREATE INDEX `privacy_requests_tenant_contact` ON `privacy_requests` (`tenant_id`,`contact_id`);