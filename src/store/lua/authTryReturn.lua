-- A reserved login try that succeeded is not a failure: give it back, unless the window is
-- over (the counter is gone; a DECR would leave -1 without an expiry).
-- KEYS[1] the address's counter.
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
