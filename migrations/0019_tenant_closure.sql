ALTER TABLE `tenants` ADD `close_requested_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `delete_after` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `closed_at` integer;--> statement-breakpoint
CREATE INDEX `tenants_delete_after` ON `tenants` (`delete_after`) WHERE "tenants"."delete_after" IS NOT NULL;