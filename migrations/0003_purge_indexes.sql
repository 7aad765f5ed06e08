CREATE INDEX `otp_codes_expires_at` ON `otp_codes` (`expires_at`);--> statement-breakpoint
CREATE INDEX `password_resets_expires_at` ON `password_resets` (`expires_at`);--> statement-breakpoint
CREATE INDEX `refresh_families_expires_at` ON `refresh_families` (`expires_at`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expires_at` ON `refresh_tokens` (`expires_at`);