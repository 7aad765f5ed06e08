CREATE TABLE `activities` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`contact_id` text,
	`deal_id` text,
	`title` text,
	`body` text,
	`occurred_at` integer NOT NULL,
	`due_at` integer,
	`remind_at` integer,
	`done_at` integer,
	`assignee_id` text,
	`sample` integer DEFAULT false NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `activities_tenant_contact` ON `activities` (`tenant_id`,`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `activities_tenant_deal` ON `activities` (`tenant_id`,`deal_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `activities_tenant_assignee_open` ON `activities` (`tenant_id`,`assignee_id`,`done_at`,`due_at`);--> statement-breakpoint
CREATE TABLE `assignment_agents` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `user_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `companies` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`name_norm` text NOT NULL,
	`vat_number` text,
	`cr_number` text,
	`national_address` text,
	`website` text,
	`owner_id` text,
	`custom` text DEFAULT '{}' NOT NULL,
	`sample` integer DEFAULT false NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `companies_tenant_created` ON `companies` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `companies_tenant_owner` ON `companies` (`tenant_id`,`owner_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `companies_tenant_vat` ON `companies` (`tenant_id`,`vat_number`) WHERE "companies"."vat_number" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `contact_phones` (
	`tenant_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`phone` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`contact_id`, `phone`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contact_phones_tenant_phone` ON `contact_phones` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE TABLE `contact_tags` (
	`tenant_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`contact_id`, `tag`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contact_tags_tenant_tag` ON `contact_tags` (`tenant_id`,`tag`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`name_norm` text NOT NULL,
	`name_key` text NOT NULL,
	`phone` text,
	`email` text,
	`source` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`owner_id` text,
	`company_id` text,
	`notes` text,
	`custom` text DEFAULT '{}' NOT NULL,
	`sample` integer DEFAULT false NOT NULL,
	`merged_into_id` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_contacted_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contacts_tenant_created` ON `contacts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_owner_status` ON `contacts` (`tenant_id`,`owner_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_status` ON `contacts` (`tenant_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_name_key` ON `contacts` (`tenant_id`,`name_key`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_email` ON `contacts` (`tenant_id`,`email`);--> statement-breakpoint
CREATE INDEX `contacts_tenant_company` ON `contacts` (`tenant_id`,`company_id`);--> statement-breakpoint
CREATE TABLE `crm_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`visibility` text DEFAULT 'own' NOT NULL,
	`assignment` text DEFAULT 'manual' NOT NULL,
	`round_robin_turn` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `custom_field_definitions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`object_type` text NOT NULL,
	`key` text NOT NULL,
	`label_ar` text NOT NULL,
	`label_en` text NOT NULL,
	`type` text NOT NULL,
	`options` text,
	`required` integer DEFAULT false NOT NULL,
	`position` integer NOT NULL,
	`template` text,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `custom_field_definitions_key` ON `custom_field_definitions` (`tenant_id`,`object_type`,`key`);--> statement-breakpoint
CREATE INDEX `custom_field_definitions_position` ON `custom_field_definitions` (`tenant_id`,`object_type`,`position`);--> statement-breakpoint
CREATE TABLE `deal_stage_history` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`deal_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`from_stage_id` text,
	`to_stage_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`deal_id`) REFERENCES `deals`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deal_stage_history_deal` ON `deal_stage_history` (`tenant_id`,`deal_id`,`at`);--> statement-breakpoint
CREATE INDEX `deal_stage_history_pipeline` ON `deal_stage_history` (`tenant_id`,`pipeline_id`,`at`);--> statement-breakpoint
CREATE TABLE `deals` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`title` text NOT NULL,
	`title_norm` text NOT NULL,
	`contact_id` text,
	`company_id` text,
	`pipeline_id` text NOT NULL,
	`stage_id` text NOT NULL,
	`amount_halalas` integer DEFAULT 0 NOT NULL,
	`expected_close_on` text,
	`owner_id` text,
	`lost_reason` text,
	`board_rank` real DEFAULT 0 NOT NULL,
	`custom` text DEFAULT '{}' NOT NULL,
	`sample` integer DEFAULT false NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`stage_changed_at` integer NOT NULL,
	`closed_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deals_tenant_board` ON `deals` (`tenant_id`,`pipeline_id`,`stage_id`,`board_rank`);--> statement-breakpoint
CREATE INDEX `deals_tenant_owner` ON `deals` (`tenant_id`,`owner_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `deals_tenant_contact` ON `deals` (`tenant_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `deals_tenant_company` ON `deals` (`tenant_id`,`company_id`);--> statement-breakpoint
CREATE TABLE `pipeline_stages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`probability` integer NOT NULL,
	`position` integer NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pipeline_stages_pipeline_position` ON `pipeline_stages` (`tenant_id`,`pipeline_id`,`position`);--> statement-breakpoint
CREATE TABLE `pipelines` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`position` integer NOT NULL,
	`template` text,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pipelines_tenant_position` ON `pipelines` (`tenant_id`,`position`);--> statement-breakpoint
CREATE UNIQUE INDEX `pipelines_one_default` ON `pipelines` (`tenant_id`) WHERE "pipelines"."is_default" = 1 AND "pipelines"."archived_at" IS NULL;