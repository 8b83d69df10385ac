CREATE TABLE `action_links` (
	`event_id` integer NOT NULL,
	`action` text NOT NULL,
	`template` text NOT NULL,
	PRIMARY KEY(`event_id`, `action`),
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `attendees` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`email` text NOT NULL,
	`first_name` text DEFAULT '' NOT NULL,
	`last_name` text DEFAULT '' NOT NULL,
	`fields` text DEFAULT '{}' NOT NULL,
	`code_hash` text NOT NULL,
	`code_sealed` blob NOT NULL,
	`code_fingerprint` blob NOT NULL,
	`code_version` integer DEFAULT 1 NOT NULL,
	`code_source` text DEFAULT 'generated' NOT NULL,
	`code_changed_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attendees_event_email` ON `attendees` (`event_id`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `attendees_event_code` ON `attendees` (`event_id`,`code_fingerprint`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`event_id` integer,
	`attendee_id` integer,
	`email` text,
	`summary` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_attendee` ON `audit_log` (`attendee_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`attendee_id` integer NOT NULL,
	`template` text NOT NULL,
	`purpose` text NOT NULL,
	`code_version` integer NOT NULL,
	`status` text NOT NULL,
	`message_id` text,
	`response` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`attendee_id`) REFERENCES `attendees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deliveries_attendee` ON `deliveries` (`attendee_id`,`template`,`status`);--> statement-breakpoint
CREATE INDEX `deliveries_event_status` ON `deliveries` (`event_id`,`status`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`starts_at` text,
	`login_url` text,
	`from_address` text,
	`code_length` integer DEFAULT 10 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_slug_unique` ON `events` (`slug`);--> statement-breakpoint
CREATE TABLE `logins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`attendee_id` integer,
	`email` text NOT NULL,
	`ok` integer NOT NULL,
	`outcome` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`attendee_id`) REFERENCES `attendees`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `logins_event_email_at` ON `logins` (`event_id`,`email`,`at`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
