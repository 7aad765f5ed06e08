CREATE TABLE `whatsapp_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`language` text NOT NULL,
	`category` text NOT NULL,
	`status` text NOT NULL,
	`body_text` text NOT NULL,
	`footer_text` text,
	`variable_count` integer NOT NULL,
	`buttons` text NOT NULL,
	`synced_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `whatsapp_templates_name` ON `whatsapp_templates` (`tenant_id`,`name`,`language`);--> statement-breakpoint
CREATE INDEX `whatsapp_templates_status` ON `whatsapp_templates` (`tenant_id`,`status`,`name`);