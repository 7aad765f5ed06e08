-- Verified identifiers (issue 6): an email or phone counts only once proved. The UNIQUE indexes on
-- users.email and users.phone become partial (verified rows only), so several accounts may hold one
-- unverified value while only one may hold it verified. Additive for the previous release: its
-- queries still run; existing users start unverified.
CREATE TABLE `identity_verifications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`value` text NOT NULL,
	`secret_hash` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_verifications_secret_hash_unique` ON `identity_verifications` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `identity_verifications_user` ON `identity_verifications` (`user_id`,`channel`,`created_at`);--> statement-breakpoint
CREATE INDEX `identity_verifications_expiry` ON `identity_verifications` (`expires_at`);--> statement-breakpoint
DROP INDEX `users_email_unique`;--> statement-breakpoint
DROP INDEX `users_phone_unique`;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verified_at` integer;--> statement-breakpoint
CREATE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_verified_email` ON `users` (`email`) WHERE email_verified_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `users_phone` ON `users` (`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_verified_phone` ON `users` (`phone`) WHERE phone_verified_at IS NOT NULL;