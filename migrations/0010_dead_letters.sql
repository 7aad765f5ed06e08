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
CREATE INDEX `dead_letters_waiting` ON `dead_letters` (`queue`,`dead_at`,`id`) WHERE "dead_letters"."retried_at" IS NULL;