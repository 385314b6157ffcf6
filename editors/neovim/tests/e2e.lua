-- End-to-end test of the chainwarden Neovim set-up against the real `chainwarden lsp`.
-- Run by scripts/test-parts/editors-neovim.sh:
--   nvim --headless --clean -n -i NONE -u NONE -c 'luafile editors/neovim/tests/e2e.lua'
-- Environment: CHAINWARDEN_BIN (server binary), CHAINWARDEN_NVIM_PLUGIN (editors/neovim),
-- CHAINWARDEN_WORKSPACE (a copy of editors/tests/workspace with a .git folder),
-- CHAINWARDEN_DOCKER_RULES (space-separated rule ids `chainwarden check` reports on the
-- Dockerfile; the editor must show each of them, and unpinned-image on FROM in any case).
-- Prints one line per step; exits 0 when every step passed, 1 otherwise.

local failures = 0
local started = vim.loop.hrtime()

local function say(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

local function elapsed_ms()
  return math.floor((vim.loop.hrtime() - started) / 1e6)
end

local function finish()
  say(string.format('nvim %s: %s (%d ms)', tostring(vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch),
    failures == 0 and 'all steps passed' or (failures .. ' step(s) FAILED'), elapsed_ms()))
  if failures == 0 then
    vim.cmd('qall!')
  else
    vim.cmd('cquit 1')
  end
end

-- Guard: a hung server must not hang CI.
vim.defer_fn(function()
  say('FAIL  timeout: the test did not finish in 90 s')
  vim.cmd('cquit 2')
end, 90000)

-- Runs one step; a failing step is reported and later steps that depend on it are skipped by
-- their own checks (they see nil).
local function step(name, fn)
  local t0 = vim.loop.hrtime()
  local ok, result = pcall(fn)
  local ms = math.floor((vim.loop.hrtime() - t0) / 1e6)
  if ok then
    say(string.format('ok    %s (%d ms)', name, ms))
    return result
  end
  failures = failures + 1
  say(string.format('FAIL  %s (%d ms): %s', name, ms, tostring(result)))
  return nil
end

local function env(name)
  local value = os.getenv(name)
  assert(value and value ~= '', name .. ' is not set')
  return value
end

local bin = env('CHAINWARDEN_BIN')
local plugin = env('CHAINWARDEN_NVIM_PLUGIN')
local workspace = env('CHAINWARDEN_WORKSPACE')
-- FROM node:20 must always give unpinned-image; the rest is whatever `check` reports.
local docker_rules = { 'unpinned-image' }
for _, rule in ipairs(vim.split(os.getenv('CHAINWARDEN_DOCKER_RULES') or '', ' ', { trimempty = true })) do
  if rule ~= 'unpinned-image' then
    docker_rules[#docker_rules + 1] = rule
  end
end

vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
local chainwarden = require('chainwarden')
local call = chainwarden._call

-- `detail` (optional) says what was there instead when the wait times out.
local function wait_for(what, timeout, predicate, detail)
  if not vim.wait(timeout, predicate, 50) then
    error('timed out after ' .. timeout .. ' ms waiting for ' .. what .. (detail and ('; found: ' .. detail()) or ''))
  end
end

local function code_of(d)
  if d.code ~= nil then
    return d.code
  end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end

local function codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    found[#found + 1] = tostring(code_of(d)) .. '@' .. (d.lnum + 1)
  end
  table.sort(found)
  return table.concat(found, ', ')
end

local function find_diagnostic(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == code then
      return d
    end
  end
  return nil
end

-- The diagnostic in LSP form, as code actions want it back. 0.11 keeps the whole LSP diagnostic
-- in user_data.lsp; 0.7 keeps only some fields there, so the range is rebuilt from the
-- diagnostic (its columns are bytes, the same as UTF-16 units on these ASCII lines).
local function as_lsp(d)
  local lsp = vim.deepcopy((d.user_data and d.user_data.lsp) or {})
  lsp.range = lsp.range or {
    start = { line = d.lnum, character = d.col },
    ['end'] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
  }
  lsp.message = lsp.message or d.message
  lsp.code = lsp.code or code_of(d)
  lsp.source = lsp.source or d.source
  lsp.severity = lsp.severity or d.severity
  return lsp
end

local function open(relative)
  vim.cmd('edit ' .. vim.fn.fnameescape(workspace .. '/' .. relative))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the chainwarden client to attach to ' .. relative, 10000, function()
    return chainwarden.client(bufnr) ~= nil
  end)
  return bufnr, chainwarden.client(bufnr)
end

local function hover_text(bufnr, client, d)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = as_lsp(d).range.start,
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 5000)
  assert(responses, 'no hover response')
  local texts = {}
  for _, response in pairs(responses) do
    assert(not response.err, 'hover error: ' .. vim.inspect(response.err))
    local contents = response.result and response.result.contents
    if type(contents) == 'table' then
      if contents.value then
        texts[#texts + 1] = contents.value
      else
        for _, part in ipairs(contents) do
          texts[#texts + 1] = type(part) == 'table' and part.value or tostring(part)
        end
      end
    elseif type(contents) == 'string' then
      texts[#texts + 1] = contents
    end
  end
  return table.concat(texts, '\n')
end

local function code_actions(bufnr, client, d)
  local lsp_d = as_lsp(d)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_d.range,
    context = { diagnostics = { lsp_d }, only = { 'quickfix' } },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 5000)
  assert(responses, 'no codeAction response')
  local actions = {}
  for _, response in pairs(responses) do
    assert(not response.err, 'codeAction error: ' .. vim.inspect(response.err))
    for _, action in ipairs(response.result or {}) do
      actions[#actions + 1] = action
    end
  end
  return actions
end

local function titles(actions)
  local out = {}
  for _, action in ipairs(actions) do
    out[#out + 1] = action.title
  end
  return table.concat(out, ' | ')
end

-- Applies the action whose title matches `pattern` (case-insensitive Lua pattern).
local function apply_action(bufnr, client, actions, pattern)
  local chosen
  for _, action in ipairs(actions) do
    local title = action.title:lower()
    if title:find(pattern) and not title:find('^%s*ignore') then
      chosen = action
      break
    end
  end
  assert(chosen, 'no code action matching "' .. pattern .. '" among: ' .. titles(actions))
  if not chosen.edit and not chosen.command then
    local response = call(client, 'request_sync', 'codeAction/resolve', chosen, 5000, bufnr)
    assert(response and response.result, 'codeAction/resolve failed: ' .. vim.inspect(response))
    chosen = response.result
  end
  assert(chosen.edit, 'the code action "' .. chosen.title .. '" carries no edit')
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or 'utf-16')
  return chosen.title
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

say('nvim ' .. vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  .. (vim.lsp.start and ' (vim.lsp.start)' or ' (vim.lsp.start_client fallback)') .. ', server ' .. bin)

chainwarden.setup({ cmd = { bin, 'lsp' }, online = false })

-- 0. Which files the set-up attaches to (by path, SPEC §1).
step('path patterns choose the right files', function()
  local cases = {
    ['/r/.github/workflows/ci.yml'] = 'workflow',
    ['/r/.github/workflows/sub/deploy.yaml'] = 'workflow',
    ['/r/.github/actions/setup/action.yml'] = 'action',
    ['/r/action.yaml'] = 'action',
    ['/r/Dockerfile'] = 'dockerfile',
    ['/r/Containerfile'] = 'dockerfile',
    ['/r/docker/app.Dockerfile'] = 'dockerfile',
    ['/r/Dockerfile.dev'] = 'dockerfile',
    ['/r/Dockerfile-alpine'] = 'dockerfile',
    ['/r/docker-compose.prod.yaml'] = 'compose',
    ['/r/compose.yml'] = 'compose',
    ['/r/package.json'] = 'package',
    ['/r/src/index.ts'] = 'source',
    ['/r/src/app.mjs'] = 'source',
    ['/r/config.yml'] = false,
    ['/r/.github/dependabot.yml'] = 'dependabot',
    ['/r/.github/dependabot.yaml'] = 'dependabot',
    ['/r/dependabot.yml'] = false,
    ['/r/tsconfig.json'] = false,
    ['/r/node_modules/x/package.json'] = false,
    ['/r/node_modules/x/index.js'] = false,
    ['/r/README.md'] = false,
  }
  for path, want in pairs(cases) do
    local got = chainwarden.kind_of(path) or false
    assert(got == want, path .. ': expected ' .. tostring(want) .. ', got ' .. tostring(got))
  end
end)

-- 1. The workflow: diagnostics, hover, the Pin quick fix, the permissions quick fix.
local wf, client = step('open .github/workflows/ci.yml and attach', function()
  return open('.github/workflows/ci.yml')
end)
client = client or (wf and chainwarden.client(wf))

local pin_d = wf and step('diagnostics on the workflow name unpinned-ci-actions and overpermissioned-workflow-token', function()
  wait_for('diagnostics', 15000, function()
    return find_diagnostic(wf, 'unpinned-ci-actions') ~= nil and find_diagnostic(wf, 'overpermissioned-workflow-token') ~= nil
  end, function() return codes(wf) end)
  local d = find_diagnostic(wf, 'unpinned-ci-actions')
  local line = vim.api.nvim_buf_get_lines(wf, d.lnum, d.lnum + 1, false)[1]
  assert(line:find('actions/checkout@v4', 1, true), 'unpinned-ci-actions is on the wrong line: ' .. line)
  assert(d.severity == vim.diagnostic.severity.ERROR, 'unpinned-ci-actions (high) should be an Error')
  say('      diagnostics: ' .. codes(wf))
  return d
end)

if pin_d then
  step('hover over actions/checkout@v4 names the rule', function()
    local text = hover_text(wf, client, pin_d)
    assert(text:find('unpinned-ci-actions', 1, true) or text:lower():find('not pinned', 1, true),
      'hover does not name the rule: ' .. text)
    say('      hover: ' .. (text:gsub('\n', ' '):sub(1, 100)))
  end)

  local pinned = step('Pin quick fix rewrites the line to a 40-hex SHA with a # v4. comment', function()
    local title = apply_action(wf, client, code_actions(wf, client, pin_d), '^pin')
    local line = vim.api.nvim_buf_get_lines(wf, pin_d.lnum, pin_d.lnum + 1, false)[1]
    assert(line:find('actions/checkout@' .. string.rep('%x', 40) .. ' # v4%.'),
      'after "' .. title .. '" the line is: ' .. line)
    say('      ' .. line:gsub('^%s+', ''))
    return true
  end)

  local _ = pinned and step('the unpinned-ci-actions diagnostic goes away after the edit', function()
    wait_for('unpinned-ci-actions to clear', 10000, function()
      return find_diagnostic(wf, 'unpinned-ci-actions') == nil
    end)
  end)
end

local perm_d = wf and find_diagnostic(wf, 'overpermissioned-workflow-token')
if perm_d then
  step('permissions quick fix inserts a permissions: block', function()
    local title = apply_action(wf, client, code_actions(wf, client, perm_d), 'permission')
    local text = buffer_text(wf)
    assert(text:find('\npermissions:\n%s+contents: read'), 'after "' .. title .. '" the file is:\n' .. text)
    wait_for('overpermissioned-workflow-token to clear', 10000, function()
      return find_diagnostic(wf, 'overpermissioned-workflow-token') == nil
    end)
  end)
end

-- 2. :ChainwardenPinAll on a second workflow: the server's chainwarden.pinAll command.
step(':ChainwardenPinAll pins every action in release.yml', function()
  local rel = open('.github/workflows/release.yml')
  wait_for('unpinned-ci-actions on release.yml', 15000, function()
    return find_diagnostic(rel, 'unpinned-ci-actions') ~= nil
  end, function() return codes(rel) end)
  vim.cmd('ChainwardenPinAll')
  wait_for('both uses: lines to be pinned', 10000, function()
    local text = buffer_text(rel)
    return text:find('actions/checkout@' .. string.rep('%x', 40)) and text:find('actions/setup%-node@' .. string.rep('%x', 40))
  end)
end)

-- 3. The Dockerfile.
step('diagnostics on the Dockerfile: ' .. table.concat(docker_rules, ', '), function()
  local df = open('Dockerfile')
  wait_for(table.concat(docker_rules, ', '), 15000, function()
    for _, rule in ipairs(docker_rules) do
      if not find_diagnostic(df, rule) then
        return false
      end
    end
    return true
  end, function() return codes(df) end)
  local from = find_diagnostic(df, 'unpinned-image')
  assert(from.lnum == 0, 'unpinned-image should be on the FROM line, not line ' .. (from.lnum + 1))
  say('      diagnostics: ' .. codes(df))
end)

-- 4. Stop the client cleanly.
step('stop the server', function()
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ name = 'chainwarden' }) or vim.lsp.get_active_clients()
  for _, c in ipairs(clients) do
    call(c, 'stop')
  end
  wait_for('the server to exit', 5000, function()
    for _, c in ipairs(clients) do
      if not call(c, 'is_stopped') then
        return false
      end
    end
    return true
  end)
end)

finish()
