-- The navigation counts what waits on an account's units on every page. Pending requests
-- are few and done ones pile up for years: read the pending ones alone, each checked
-- against the scope, rather than listing a whole country's units first.
CREATE INDEX unit_requests_pending ON unit_requests (to_unit) WHERE status = 'pending';
