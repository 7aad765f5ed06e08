ALTER TABLE `tenants` ADD `close_requested_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `delete_after` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `closed_at` integer;--> statement-breakpoint
CREATE INDEX `tenants_delete_after` ON `tenants` (`delete_after`) WHERE "tenants"."delete_after" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `activities_tenant_created` ON `activities` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `consents_contact_id` ON `consents` (`contact_id`);--> statement-breakpoint
CREATE INDEX `contacts_merged_into` ON `contacts` (`merged_into_id`) WHERE "contacts"."merged_into_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `conversations_contact` ON `conversations` (`contact_id`);--> statement-breakpoint
CREATE INDEX `deal_stage_history_deal_id` ON `deal_stage_history` (`deal_id`);--> statement-breakpoint
CREATE INDEX `messages_conversation` ON `messages` (`conversation_id`);