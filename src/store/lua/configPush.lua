-- A new configuration version: the number, the stored text with its header, the announcement.
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], cjson.encode({version = v, pushedAt = ARGV[2]}) .. '\n' .. ARGV[1])
redis.call('PUBLISH', KEYS[3], v)
return v
