ALTER TABLE `imports` ADD `rows_purged_at` integer;--> statement-breakpoint
CREATE INDEX `imports_rows_to_purge` ON `imports` (`finished_at`) WHERE "imports"."rows_purged_at" IS NULL;