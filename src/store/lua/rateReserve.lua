-- Reserves the next slot and returns how long to wait for it (0: go now). The balance may go
-- below zero: each waiter holds one reservation, so waiters go in order of arrival with one
-- round trip each. Time is Redis' own (TIME), the same for every worker.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
redis.call('PEXPIRE', KEYS[1], wait + math.ceil(burst * 1000 / rate) + 1000)
return wait
