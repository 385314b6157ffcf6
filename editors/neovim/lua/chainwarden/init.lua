-- chainwarden for Neovim: starts `chainwarden lsp` for the files it understands.
--
--   require('chainwarden').setup({ cmd = { 'chainwarden', 'lsp' }, online = false, pedantic = false })
--
-- Works on Neovim 0.8+ (vim.lsp.start) and on 0.7 (vim.lsp.start_client + buf_attach_client).
local M = {}

M.defaults = {
  -- The server command. A string is taken as the path of the binary.
  cmd = { 'chainwarden', 'lsp' },
  -- Allow network look-ups of action tags and image digests (sent as settings.chainwarden.online).
  online = false,
  -- Also report the pedantic tier of rules (sent as settings.chainwarden.pedantic).
  pedantic = false,
  -- Extra fields merged into the client config (capabilities, on_attach, handlers, ...).
  client = {},
}

M.config = vim.deepcopy(M.defaults)

-- Clients started by the 0.7 fallback, one per root folder.
local clients_by_root = {}

local has_start = vim.lsp.start ~= nil

-- Client methods are called with `:` from 0.11 on (the `.` form is deprecated there), while
-- 0.7-0.10 clients hold plain closures.
local method_call = vim.fn.has('nvim-0.11') == 1
local function call(client, method, ...)
  if method_call then
    return client[method](client, ...)
  end
  return client[method](...)
end
M._call = call

-- Lua patterns on the '/'-separated absolute path (SPEC §1), not on the filetype: a workflow and
-- a compose file are both YAML, but only some YAML files are ours.
local function basename(path)
  return path:match('[^/]+$') or path
end

local function in_skipped_folder(path)
  return path:find('/node_modules/', 1, true) ~= nil
end

function M.kind_of(path)
  if path == nil or path == '' then
    return nil
  end
  path = path:gsub('\\', '/')
  local name = basename(path)
  local lower = name:lower()
  if path:find('/%.github/workflows/') and (lower:match('%.ya?ml$')) then
    return 'workflow'
  end
  if (lower == 'dependabot.yml' or lower == 'dependabot.yaml') and path:find('/%.github/[^/]+$') then
    return 'dependabot'
  end
  if lower == 'action.yml' or lower == 'action.yaml' then
    return 'action'
  end
  if name == 'Dockerfile' or name == 'Containerfile' or name:match('%.Dockerfile$')
    or name:match('^Dockerfile[.-]') then
    return 'dockerfile'
  end
  if (lower:match('^docker%-compose.*%.ya?ml$') or lower:match('^compose.*%.ya?ml$')) then
    return 'compose'
  end
  if in_skipped_folder(path) then
    return nil
  end
  if name == 'package.json' then
    return 'package'
  end
  if lower:match('%.[mc]?[jt]sx?$') and not path:find('/dist/', 1, true) then
    return 'source'
  end
  return nil
end

local function dirname(path)
  return path:match('^(.*)/[^/]*$') or '.'
end

-- Nearest folder holding `.git` (a folder, or a file in worktrees), else the file's folder.
function M.root_dir(path)
  local dir = dirname(path)
  local current = dir
  while current and current ~= '' do
    if vim.loop.fs_stat(current .. '/.git') then
      return current
    end
    local parent = dirname(current)
    if parent == current or parent == '.' then
      break
    end
    current = parent
  end
  if vim.loop.fs_stat('/.git') then
    return '/'
  end
  return dir
end

local function server_cmd()
  local cmd = M.config.cmd
  if type(cmd) == 'string' then
    return { cmd, 'lsp' }
  end
  return cmd
end

local function client_config(root)
  local online = M.config.online and true or false
  local pedantic = M.config.pedantic and true or false
  local config = {
    name = 'chainwarden',
    cmd = server_cmd(),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = { online = online, pedantic = pedantic },
    settings = { chainwarden = { online = online, pedantic = pedantic } },
  }
  return vim.tbl_deep_extend('force', config, M.config.client or {})
end

-- Start (or reuse) the client for this buffer's root and attach the buffer to it.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if not M.kind_of(path) then
    return nil
  end
  local root = M.root_dir(path)
  if has_start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or call(vim.lsp.get_client_by_id(id), 'is_stopped') then
    id = vim.lsp.start_client(client_config(root))
    if id == nil then
      vim.notify('chainwarden: could not start ' .. table.concat(server_cmd(), ' '), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- The chainwarden client attached to a buffer, if any.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ bufnr = bufnr, name = 'chainwarden' })
  else
    clients = vim.lsp.buf_get_clients(bufnr)
  end
  for _, client in pairs(clients) do
    if client.name == 'chainwarden' then
      return client
    end
  end
  return nil
end

-- Ask the server to pin every action: in this buffer's file, or in the whole workspace when
-- `whole_workspace` is true. The server answers with workspace/applyEdit.
function M.pin_all(bufnr, whole_workspace)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    vim.notify('chainwarden: no server attached to this buffer', vim.log.levels.WARN)
    return
  end
  local arguments = {}
  if not whole_workspace then
    arguments = { vim.uri_from_bufnr(bufnr) }
  end
  call(client, 'request', 'workspace/executeCommand', { command = 'chainwarden.pinAll', arguments = arguments },
    function(err)
      if err then
        vim.notify('chainwarden: pinning failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      end
    end, bufnr)
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  local group = vim.api.nvim_create_augroup('chainwarden', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = '*',
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach(bufnr)
    end
  end
  vim.api.nvim_create_user_command('ChainwardenPinAll', function(cmd)
    M.pin_all(nil, cmd.bang)
  end, { bang = true, desc = 'chainwarden: pin every action in this file (with !, in the workspace)' })
end

return M
