/**
 * The rate-limiting scripts as Lua for real Redis (EVAL). Each has a port of the same name in
 * packages/systems/src/ratelimit/redis-scripts.ts that the simulator runs; the tests in this folder run
 * both on the same inputs. The study material's scripts are our own minimal reproductions of the shapes
 * it describes, flaws included; the fixed ones sit beside them.
 */

/**
 * The study's bucket: GET the tokens, compare with 0, DECR; a background job SETs the key back to
 * capacity every interval. In Redis 7 GET reaches Lua as a string (or false when the key is missing),
 * and Lua 5.1 refuses to compare either with a number: every call is a script error.
 * KEYS[1] bucket.
 */
export const STUDY_BUCKET_AS_WRITTEN = `
local tokens = redis.call('GET', KEYS[1])
if tokens > 0 then
  redis.call('DECR', KEYS[1])
  return 1
end
return 0
`;

/** The same with tonumber: it runs, and with the background reset it is a fixed window. */
export const STUDY_BUCKET_TONUMBER = `
local tokens = tonumber(redis.call('GET', KEYS[1])) or 0
if tokens > 0 then
  redis.call('DECR', KEYS[1])
  return 1
end
return 0
`;

/**
 * The widely copied shape of a Lua bucket built on TIME (our own minimal reproduction): seconds plus
 * microseconds as one float, the float time and the float token count written back with SET, admitted
 * when `tokens > 0`, and the float count returned. In Redis before 5.0 a write after TIME was refused
 * ("Write commands not allowed after non deterministic commands"); Redis 7 replicates effects and runs
 * it. What is left: the reply is truncated to an integer, and a request is admitted on a fraction of a
 * token (the count goes negative). KEYS[1] tokens, KEYS[2] last time. ARGV: tokens per second, capacity.
 * Returns the tokens left after an admission, or −1.
 */
export const STUDY_TIME_FLOAT_BUCKET = `
local t = redis.call('TIME')
local now = t[1] + t[2] / 1000000
local last = tonumber(redis.call('GET', KEYS[2])) or now
local tokens = tonumber(redis.call('GET', KEYS[1])) or tonumber(ARGV[2])
tokens = math.min(tonumber(ARGV[2]), tokens + (now - last) * tonumber(ARGV[1]))
redis.call('SET', KEYS[2], now)
if tokens > 0 then
  redis.call('SET', KEYS[1], tokens - 1)
  return tokens - 1
end
redis.call('SET', KEYS[1], tokens)
return -1
`;

/**
 * A token bucket refilled lazily from the server's TIME, decided and written in one script (so it is
 * atomic, and every caller is measured on one clock). Fractional tokens are kept in a hash; what goes
 * back to the client is whole numbers (Lua numbers reach it truncated anyway).
 * KEYS[1] bucket hash. ARGV: capacity, refill rate (tokens per ms), cost.
 * Returns {allowed (1/0), whole tokens left, ms until the cost is available (0 when allowed)}.
 */
export const TOKEN_BUCKET_SERVER_TIME = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
  last = now
end
local elapsed = math.max(0, now - last)
tokens = math.min(capacity, tokens + elapsed * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'last', math.max(last, now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 2))
return { allowed, math.floor(tokens), retry }
`;

/**
 * The widely copied shape with the caller's clock: ARGV[4] is `now` in ms from the app server, and it
 * is stored as given. A caller behind moves the bucket's time back; the next caller ahead is refilled
 * for the skew again. Same KEYS and replies as above.
 */
export const TOKEN_BUCKET_CALLER_NOW = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
  last = now
end
local elapsed = math.max(0, now - last)
tokens = math.min(capacity, tokens + elapsed * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'last', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 2))
return { allowed, math.floor(tokens), retry }
`;

/**
 * GET, compare, INCR and EXPIRE in one script. ARGV: limit, window seconds, variant
 * ('expire-first' | 'expire-renewed' | 'window-id'). `window-id` keys the counter by TIME's window.
 */
export const GET_INCR_EXPIRE = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local variant = ARGV[3]
local key = KEYS[1]
if variant == 'window-id' then
  local t = redis.call('TIME')
  key = key .. ':' .. math.floor(tonumber(t[1]) / window)
end
local current = tonumber(redis.call('GET', key)) or 0
if current >= limit then
  return 0
end
local count = redis.call('INCR', key)
if variant == 'expire-renewed' or count == 1 then
  redis.call('EXPIRE', key, window)
end
return 1
`;

/**
 * The sorted-set sliding window. ARGV: limit, window ms, member, variant ('as-written' adds the request
 * before deciding, so refused requests fill the window; 'add-if-admitted' adds only admitted ones).
 */
export const ZSET_WINDOW = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local variant = ARGV[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if variant == 'as-written' then
  redis.call('ZADD', KEYS[1], now, member)
  local count = redis.call('ZCARD', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], window)
  if count > limit then
    return 0
  end
  return 1
end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], window)
return 1
`;
