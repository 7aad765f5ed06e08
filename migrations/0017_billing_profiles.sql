CREATE TABLE `billing_profiles` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`legal_name` text NOT NULL,
	`vat_number` text,
	`address` text,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
