--[[
read_chapters.lua — `pandoc lua read_chapters.lua <format>`: a JSON list of markdown texts on
stdin, their Pandoc ASTs on stdout as JSON, one a line. Each text is read by its own pandoc.read,
as if it were a document alone (report/render/chapter_ast.py).
]]

local format = arg[1] or "markdown"
-- The reader options of the pandoc command line (`pandoc -f markdown`): its --columns is 72
-- (pandoc.read's default is 80), which sets when a pipe table gets relative column widths.
local options = { columns = 72 }
local parts = pandoc.json.decode(io.read("a"), false)
local out = {}
for i, text in ipairs(parts) do
  out[i] = pandoc.write(pandoc.read(text, format, options), "json")
end
io.write(table.concat(out, "\n"))  -- one JSON document a line (strings escape newlines)
