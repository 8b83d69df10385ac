CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`template` text NOT NULL,
	`audience` text NOT NULL,
	`when_text` text NOT NULL,
	`fixed_at` text,
	`status` text NOT NULL,
	`lease_owner` text,
	`lease_expires_at` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`due_at` text,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `campaigns_event_status` ON `campaigns` (`event_id`,`status`);--> statement-breakpoint
ALTER TABLE `deliveries` ADD `campaign_id` integer REFERENCES campaigns(id);--> statement-breakpoint
CREATE INDEX `deliveries_campaign` ON `deliveries` (`campaign_id`,`attendee_id`);