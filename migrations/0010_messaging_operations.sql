CREATE TABLE `consents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`channel` text NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`evidence_text` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`recorded_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `consents_contact` ON `consents` (`tenant_id`,`contact_id`,`channel`,`purpose`,`created_at`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`last_message_at` integer NOT NULL,
	`last_inbound_at` integer,
	`last_preview` text,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_tenant_contact` ON `conversations` (`tenant_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_recent` ON `conversations` (`tenant_id`,`last_message_at`);--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text NOT NULL,
	`dead_at` integer NOT NULL,
	`retried_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_message_queue` ON `dead_letters` (`message_id`,`queue`);--> statement-breakpoint
CREATE INDEX `dead_letters_queue_time` ON `dead_letters` (`queue`,`dead_at`,`id`);--> statement-breakpoint
CREATE INDEX `dead_letters_waiting` ON `dead_letters` (`queue`,`dead_at`,`id`) WHERE "dead_letters"."retried_at" IS NULL;--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`direction` text NOT NULL,
	`kind` text NOT NULL,
	`purpose` text DEFAULT 'service' NOT NULL,
	`ai_drafted` integer DEFAULT false NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`body` text,
	`template` text,
	`media` text,
	`state` text NOT NULL,
	`state_reason` text,
	`error_title` text,
	`provider_message_id` text,
	`transport` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claimed_until` integer,
	`sent_by` text,
	`sent_at` integer,
	`delivered_at` integer,
	`read_at` integer,
	`failed_at` integer,
	`provider_time` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_tenant_provider_id` ON `messages` (`tenant_id`,`provider_message_id`);--> statement-breakpoint
CREATE INDEX `messages_conversation_time` ON `messages` (`tenant_id`,`conversation_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_pending_approval` ON `messages` (`tenant_id`,`created_at`) WHERE "messages"."state" = 'pending_approval';--> statement-breakpoint
CREATE INDEX `messages_unfinished` ON `messages` (`state`,`updated_at`) WHERE "messages"."state" IN ('queued', 'sending');--> statement-breakpoint
CREATE TABLE `messaging_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`approve_first_message` integer NOT NULL,
	`approve_ai_drafted` integer NOT NULL,
	`approve_broadcast_over` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
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
CREATE INDEX `operator_sessions_expires_at` ON `operator_sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `whatsapp_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_number_id` text NOT NULL,
	`display_phone` text NOT NULL,
	`business_account_id` text,
	`access_token_enc` text NOT NULL,
	`app_secret_enc` text NOT NULL,
	`verify_token_enc` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `whatsapp_accounts_tenant` ON `whatsapp_accounts` (`tenant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `whatsapp_accounts_phone_number` ON `whatsapp_accounts` (`phone_number_id`);--> statement-breakpoint
CREATE TABLE `dev_whatsapp_sends` (
	`wamid` text PRIMARY KEY NOT NULL,
	`phone_number_id` text NOT NULL,
	`recipient` text NOT NULL,
	`summary` text NOT NULL,
	`callback_data` text,
	`last_status` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dev_whatsapp_sends_time` ON `dev_whatsapp_sends` (`created_at`);--> statement-breakpoint
CREATE INDEX `dev_whatsapp_sends_callback` ON `dev_whatsapp_sends` (`callback_data`);--> statement-breakpoint
CREATE TABLE `dev_whatsapp_simulator` (
	`id` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`updated_at` integer NOT NULL
);
