--[[
blok.lua — the shortcode {{< blok indicatoren/<id>.md >}}: a block that the build stage wrote
into _generated/, read when the filters run.

Quarto expands {{< include >}} while it lists the book's chapters, before `pre-render` has run
the build, so a fresh clone could not include generated files. A shortcode is resolved at
filter time, after pre-render. The embedded engine (report/render/book.py) reads the same
shortcode the same way: one path relative to _generated/, parsed as Quarto markdown.
]]

local GENERATED = "_generated"

local function project_root()
  if quarto.project ~= nil and quarto.project.directory ~= nil then
    return quarto.project.directory
  end
  return pandoc.system.get_working_directory()
end

local function fail(msg)
  local where = quarto.doc.input_file or "?"
  error("blok (" .. where .. "): " .. msg, 0)
end

local function blok(args, _kwargs, _meta, _raw_args, context)
  if #args ~= 1 then
    fail("expects one path relative to " .. GENERATED .. "/, e.g. {{< blok indicatoren/afvalwater.md >}}")
  end
  local rel = pandoc.utils.stringify(args[1])
  if rel:sub(1, 1) == "/" or rel:find("%.%.") or not rel:match("%.md$") then
    fail("'" .. rel .. "' must be a .md path inside " .. GENERATED .. "/ (no leading / and no ..)")
  end
  if context ~= nil and context ~= "block" then
    fail("{{< blok " .. rel .. " >}} must stand on a line of its own (it brings blocks)")
  end
  local path = pandoc.path.join({ project_root(), GENERATED, rel })
  local f = io.open(path, "r")
  if f == nil then
    fail(GENERATED .. "/" .. rel .. " does not exist; the build stage writes it "
      .. "(pre-render: python -m report build)")
  end
  local text = f:read("a")
  f:close()
  -- Parsed with Quarto's own reader and AST pipeline, so figures, tables and callouts in the
  -- block become the same nodes as if they stood in the chapter.
  return quarto.utils.string_to_blocks(text)
end

return { ["blok"] = blok }
