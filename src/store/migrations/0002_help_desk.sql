ALTER TABLE `attendees` ADD `lock_cleared_after` integer;--> statement-breakpoint
CREATE INDEX `logins_event_at` ON `logins` (`event_id`,`at`);