CREATE TABLE `import_rows` (
	`tenant_id` text NOT NULL,
	`import_id` text NOT NULL,
	`row_number` integer NOT NULL,
	`raw` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`duplicate_of_row` integer,
	`contact_id` text,
	`error` text,
	PRIMARY KEY(`import_id`, `row_number`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `import_rows_import_status` ON `import_rows` (`import_id`,`status`,`row_number`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`status` text NOT NULL,
	`file_name` text,
	`encoding` text NOT NULL,
	`headers` text NOT NULL,
	`mapping` text,
	`duplicate_action` text,
	`total_rows` integer NOT NULL,
	`processed_rows` integer DEFAULT 0 NOT NULL,
	`created_count` integer DEFAULT 0 NOT NULL,
	`updated_count` integer DEFAULT 0 NOT NULL,
	`skipped_count` integer DEFAULT 0 NOT NULL,
	`error_count` integer DEFAULT 0 NOT NULL,
	`failure_reason` text,
	`created_by` text NOT NULL,
	`created_by_type` text NOT NULL,
	`created_by_role` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `imports_tenant_created` ON `imports` (`tenant_id`,`created_at`);