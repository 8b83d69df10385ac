CREATE TABLE `venue_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`event_id` integer,
	`key_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `venue_keys_name_unique` ON `venue_keys` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `venue_keys_key_hash_unique` ON `venue_keys` (`key_hash`);--> statement-breakpoint
ALTER TABLE `events` ADD `token_audience` text;--> statement-breakpoint
ALTER TABLE `events` ADD `token_ttl_seconds` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `token_secret_file` text;--> statement-breakpoint
ALTER TABLE `logins` ADD `source` text DEFAULT 'cli' NOT NULL;