-- One failed (or reserved) authentication from an address, counted and compared in one step:
-- the window starts at the first one; returns the ms until the address may try again when this
-- one is over the limit, else 0. Parallel attempts cannot all pass a check made before counting.
-- KEYS[1] the address's counter; ARGV[1] the window in ms; ARGV[2] the most failures allowed.
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
return 0
