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
