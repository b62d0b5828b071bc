-- Drives forkcheck lsp from headless Neovim (0.7 or newer: the API used is
-- vim.lsp.start_client and vim.lsp.buf_attach_client, which 0.7 has;
-- vim.lsp.start came in 0.8). TestLSPNeovim runs
--   nvim --headless -n -u NONE -c "luafile test.lua"
-- with FORKCHECK_BIN, FORKCHECK_ROOT, FORKCHECK_FILE and FORKCHECK_OUT set.
-- The script opens FORKCHECK_FILE, waits for the server's diagnostics,
-- applies two quick fixes through textDocument/codeAction, saves after
-- each, and writes what it saw as JSON to FORKCHECK_OUT.

local bin = os.getenv('FORKCHECK_BIN')
local root = os.getenv('FORKCHECK_ROOT')
local file = os.getenv('FORKCHECK_FILE')
local out = os.getenv('FORKCHECK_OUT')
local report = { steps = {} }

local function save_report()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(report))
  f:close()
end

local function step(msg)
  table.insert(report.steps, msg)
end

-- published[uri] is the last raw publishDiagnostics result for uri.
local published = {}
local generation = 0

local function main()
  vim.lsp.set_log_level('debug')
  local client_id = vim.lsp.start_client({
    name = 'forkcheck',
    cmd = { bin, 'lsp' },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = 'root' } },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        published[result.uri] = result.diagnostics
        generation = generation + 1
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
    },
  })
  assert(client_id, 'vim.lsp.start_client failed')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')
  local uri = vim.uri_from_bufnr(bufnr)
  step('attached ' .. uri)

  local function find(substr)
    for _, d in ipairs(published[uri] or {}) do
      if string.find(d.message, substr, 1, true) then
        return d
      end
    end
    return nil
  end

  -- wait_for waits until the diagnostics satisfy ok, after a publish newer
  -- than since.
  local function wait_for(what, since, ok)
    local done = vim.wait(120000, function()
      return generation > since and published[uri] ~= nil and ok()
    end, 50)
    assert(done, 'timed out waiting for ' .. what .. '; last: ' .. vim.fn.json_encode(published[uri] or {}))
    step('saw ' .. what)
  end

  wait_for('//go:nospilt', 0, function() return find('//go:nospilt') ~= nil end)
  report.initial = published[uri]
  -- vim.diagnostic has them too: what the user sees.
  report.vim_diagnostics = #vim.diagnostic.get(bufnr)

  local function fix(substr, title)
    local d = assert(find(substr), 'no diagnostic with ' .. substr)
    local params = {
      textDocument = { uri = uri },
      range = d.range,
      context = { diagnostics = { d } },
    }
    local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 60000)
    assert(responses, 'textDocument/codeAction: no response')
    local action
    for _, resp in pairs(responses) do
      assert(not resp.err, 'textDocument/codeAction: ' .. vim.inspect(resp.err))
      for _, a in ipairs(resp.result or {}) do
        if a.title == title then
          action = a
        end
      end
    end
    assert(action, 'no code action ' .. title .. ' in ' .. vim.inspect(responses))
    local since = generation
    vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
    vim.cmd('write')
    step('applied ' .. title)
    wait_for('no ' .. substr, since, function() return find(substr) == nil end)
  end

  fix('//go:nospilt', 'Replace with //go:nosplit')
  fix('child.closeAll holds fork-child code', 'add //go:norace to closeAll')
  report.final = published[uri]
  vim.lsp.stop_client(client_id)
end

local ok, err = pcall(main)
if not ok then
  report.error = tostring(err)
end
save_report()
vim.cmd(ok and 'qall!' or 'cquit 1')
