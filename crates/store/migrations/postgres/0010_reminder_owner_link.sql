-- The daily reminder, reviewed (crates/store/src/reminders.rs, docs/OPERATIONS.md).

-- Who holds a day's run: a random token the claiming process chose, replaced when another
-- process takes the run over. Renewing the lease and finishing the run (with its audit row)
-- succeed only for the holder, so a stalled process that was taken over stops.
ALTER TABLE job_runs ADD COLUMN owner TEXT;

-- The page a notification opens (`/cases/12`, `/transfers`, `/requests/7`); none on rows
-- written before, whose case (if any) gives it.
ALTER TABLE notifications ADD COLUMN link TEXT;

-- An SMTP server's words may quote an address and were kept here before: only a short
-- category is kept now, and what was kept is reduced to one.
UPDATE mail_outbox SET error = 'lỗi gửi thư' WHERE error IS NOT NULL;
