-- One rate-limit decision, atomically, in one round trip. This mirrors algorithm.go in
-- integer microseconds. It calls TIME before writing, which needs script effects
-- replication: the default since Redis 5, the only mode since 7, so the script does not
-- call the deprecated redis.replicate_commands(). It touches one key, so it runs on Redis
-- Cluster.
--
-- KEYS[1]  the state key
-- ARGV     algorithm, limit, period (us), burst, cost[, now (us)]: without now (or with
--          ""), the server clock
-- returns  {allowed, too_big, remaining, retry_us, reset_us, now_us}

local key = KEYS[1]
local alg = ARGV[1]
local limit = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local now
if ARGV[6] == nil or ARGV[6] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[6])
end

-- GCRA comes first and creates no closures: it is the default algorithm, and every
-- function defined before it would be built again on every call.
if alg == 'gcra' then
  local T = math.ceil(period / limit) -- rounded up, as in algorithm.go
  local tau = T * burst
  local raw = redis.call('GET', key)
  local tat = now
  if raw then
    tat = tonumber(raw)
    if not tat then return redis.error_reply('ratelimit: malformed stored state') end
    if tat < now then tat = now end
  end
  -- The key is kept at least a second: a stored tat before now reads as a fresh key
  -- anyway, and a key that is hit more often than it refills (a high rate) is then
  -- rewritten in place instead of expiring and being created again on nearly every
  -- request, which costs Redis more than the decision. tat is an integer below 2^53, so
  -- Redis writes the number as its exact decimal digits.
  if cost < 0 then
    if raw then
      tat = math.max(now, tat + cost * T)
      if tat > now then
        redis.call('SET', key, tat, 'PX', math.max(1000, math.ceil((tat - now) / 1000)))
      else
        redis.call('DEL', key)
      end
    end
    return {1, 0, 0, 0, 0, now}
  end
  local allowed, too_big, retry = 0, 0, 0
  local new_tat = tat + cost * T
  if cost > burst then
    too_big = 1
  elseif new_tat - now > tau then
    retry = new_tat - tau - now
    -- a key that lost its TTL (written by hand, or PERSISTed) gets one back
    if raw and redis.call('PTTL', key) == -1 then
      redis.call('PEXPIRE', key, math.max(1000, math.ceil((tat - now) / 1000)))
    end
  else
    allowed = 1
    tat = new_tat
    if cost > 0 then
      redis.call('SET', key, tat, 'PX', math.max(1000, math.ceil((tat - now) / 1000)))
    end
  end
  local x = tau - (tat - now)
  local remaining = math.max(0, math.floor(x / T))
  local reset = 0
  if remaining < burst then reset = (remaining + 1) * T - x end
  return {allowed, too_big, remaining, retry, reset, now}
end

local function malformed()
  return redis.error_reply('ratelimit: malformed stored state')
end

-- pexpire_ms converts a lifetime in microseconds to a positive TTL in milliseconds.
local function ttl_ms(us)
  return math.max(1, math.ceil(us / 1000))
end

-- repair gives a TTL to a key that lost it (written by hand, or PERSISTed), so that no
-- state can outlive its window and block a client forever.
local function repair(us)
  if redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, ttl_ms(us))
  end
end

local function fmt(n)
  return string.format('%.0f', n)
end

if alg == 'fixed_window' or alg == 'sliding_window' then
  local W = period
  local raw = redis.call('GET', key)
  local at, a, b = 0, 0, 0 -- fixed: end, count; sliding: expiry, prev, curr
  if raw then
    local s1, s2, s3 = string.match(raw, '^(%d+) (%d+) (%d+)$')
    if not s1 then return malformed() end
    at, a, b = tonumber(s1), tonumber(s2), tonumber(s3)
  end

  if alg == 'fixed_window' then
    local count = a
    if cost < 0 then
      if raw and at - W <= now and now < at then
        redis.call('SET', key, fmt(at) .. ' ' .. fmt(math.max(0, count + cost)) .. ' 0', 'PX', ttl_ms(at - now))
      end
      return {1, 0, 0, 0, 0, now}
    end
    if at <= now then
      at, count = now - now % W + W, 0
    end
    local allowed, too_big, retry = 0, 0, 0
    if cost > limit then
      too_big = 1
    elseif count + cost > limit then
      retry = at - now
      if raw then repair(at - now) end
    else
      count = count + cost
      allowed = 1
      if cost > 0 then
        redis.call('SET', key, fmt(at) .. ' ' .. fmt(count) .. ' 0', 'PX', ttl_ms(at - now))
      end
    end
    local reset = 0
    if count > 0 then reset = at - now end
    return {allowed, too_big, math.max(0, limit - count), retry, reset, now}
  end

  -- sliding_window: at is the start of the window that counts curr, plus 2W
  local prev, curr = a, b
  local start = at - 2 * W
  if cost < 0 then
    local orig = now - now % W
    if raw and start == orig then
      curr = math.max(0, curr + cost)
    elseif raw and start == orig + W then
      prev = math.max(0, prev + cost)
    else
      return {1, 0, 0, 0, 0, now}
    end
    redis.call('SET', key, fmt(at) .. ' ' .. fmt(prev) .. ' ' .. fmt(curr), 'PX', ttl_ms(math.max(1, at - now)))
    return {1, 0, 0, 0, 0, now}
  end
  local cur = now - now % W
  if raw and start == cur then
    -- the stored window is the current one
  elseif raw and start == cur - W then
    prev, curr, start = curr, 0, cur
  elseif raw and start > cur then
    now = start -- the store saw a later clock: count from the start of its window
  else
    prev, curr, start = 0, 0, cur
  end
  local function used_at(e)
    return prev * (W - e) / W + curr
  end
  -- wait returns the microseconds until the weighted count falls to target or below.
  local function wait(e, target)
    if target < 0 or used_at(e) <= target then return 0 end
    if curr <= target and prev > 0 then
      return math.max(1, math.ceil(W - (target - curr) * W / prev) - e)
    end
    return W - e + math.ceil(W - target * W / curr)
  end
  local e = now - start
  local used = used_at(e)
  local allowed, too_big, retry = 0, 0, 0
  if cost > limit then
    too_big = 1
  elseif used + cost > limit then
    retry = wait(e, limit - cost)
    if raw then repair(start + 2 * W - now) end
  else
    curr = curr + cost
    used = used + cost
    allowed = 1
    if cost > 0 then
      redis.call('SET', key, fmt(start + 2 * W) .. ' ' .. fmt(prev) .. ' ' .. fmt(curr), 'PX', ttl_ms(start + 2 * W - now))
    end
  end
  local remaining = math.min(limit, math.max(0, math.floor(limit - used)))
  local reset = 0
  if used > 0 and remaining < limit then reset = wait(e, limit - remaining - 1) end
  return {allowed, too_big, remaining, retry, reset, now}
end

if alg == 'sliding_log' then
  -- A list of admitted times, newest first, as the tutorials' history list. An entry at
  -- time t counts while now - t < W, as in DRF's history.
  local W = period
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= 'list' then return malformed() end
  if cost < 0 then
    if t == 'list' then
      redis.call('LREM', key, -cost, fmt(now))
    end
    return {1, 0, 0, 0, 0, now}
  end
  local newest = redis.call('LINDEX', key, 0)
  if newest then
    newest = tonumber(newest)
    if not newest then return malformed() end
    if newest > now then now = newest end -- keep the list sorted if clocks disagree slightly
  end
  while true do
    local oldest = redis.call('LINDEX', key, -1)
    if not oldest then break end
    oldest = tonumber(oldest)
    if not oldest then return malformed() end
    if now - oldest >= W then redis.call('RPOP', key) else break end
  end
  local n = redis.call('LLEN', key)
  local allowed, too_big, retry = 0, 0, 0
  if cost > limit then
    too_big = 1
  elseif n + cost > limit then
    local k = n + cost - limit -- the k-th oldest entry must leave the window
    retry = tonumber(redis.call('LINDEX', key, -k)) + W - now
    repair(W)
  else
    allowed = 1
    if cost > 0 then
      local stamp = fmt(now)
      for _ = 1, cost do redis.call('LPUSH', key, stamp) end
      redis.call('PEXPIRE', key, ttl_ms(W))
      n = n + cost
    end
  end
  local reset = 0
  if n > 0 then reset = tonumber(redis.call('LINDEX', key, -1)) + W - now end
  return {allowed, too_big, limit - n, retry, reset, now}
end

return redis.error_reply('ratelimit: unknown algorithm ' .. tostring(alg))
