ALTER TABLE `events` ADD `timezone` text;--> statement-breakpoint
ALTER TABLE `events` ADD `locale` text DEFAULT 'en' NOT NULL;