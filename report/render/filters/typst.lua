--[[
typst.lua — Typst output of the embedded engine (runs after report/render/crossref.py and monitor.lua).

Pandoc's Typst writer drops image alt text, and Typst refuses images without alt under
PDF/UA-1. So figures are written here as raw Typst:

    #figure(image("/_generated/figuren/x.svg", alt: "..."), caption: [Figuur 2.1: ...],
            kind: image, numbering: none) <fig-x>

Paths are made relative to the Typst root (the project root, from MONITOR_ROOT):
Typst reads "/x" as "x under the root". Also:

* callouts (.callout, titled by crossref.py) → #monitor-callout(title: [...], kind: "note")[...]
* heading numbers (Span.header-section-number) → #monitor-secnum[3.2]
* the chapter marker Divs (.monitor-chapter) → removed; the first appendix (its marker has
  appendix-start="true", set by report/render/typst_body.py) opens with #monitor-appendices()
  (resets nothing, only marks the part in the outline). Nothing is carried from one chapter
  to the next: typst_body.py writes each chapter on its own.
* standalone images outside figures get alt text too.
]]

local root = os.getenv("MONITOR_ROOT")  -- set by the embedded engine

local function typst_string(s)
  s = s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " "):gsub("\r", "")
  return '"' .. s .. '"'
end

local function to_typst_inlines(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  local out = pandoc.write(doc, "typst")
  return (out:gsub("%s+$", ""))
end

local function to_typst_blocks(blocks)
  local out = pandoc.write(pandoc.Pandoc(blocks), "typst")
  return (out:gsub("%s+$", ""))
end

local function typst_path(src)
  if root and src:sub(1, #root + 1) == root .. "/" then
    return src:sub(#root + 1)  -- keeps the leading "/": root-relative in Typst
  end
  return src
end

local function image_call(img, alt)
  local args = { typst_string(typst_path(img.src)) }
  local width = img.attributes["width"]
  if width and width ~= "" then
    if width:match("^%d+%%$") or width:match("^[%d%.]+%a%a$") then
      table.insert(args, "width: " .. width)
    end
  else
    table.insert(args, "width: 100%")
  end
  table.insert(args, "alt: " .. typst_string(alt))
  return "image(" .. table.concat(args, ", ") .. ")"
end

local function alt_of(img, fallback)
  local alt = img.attributes["fig-alt"] or img.attributes["alt"]
  if alt == nil or alt == "" then alt = pandoc.utils.stringify(img.caption) end
  if alt == nil or alt == "" then alt = fallback or "" end
  if alt == "" then alt = "Afbeelding" end
  return alt
end

local function Figure(fig)
  local img = nil
  fig.content:walk({ Image = function(i) if img == nil then img = i end end })
  if img == nil then return nil end
  local caption_inlines = pandoc.Inlines({})
  for _, b in ipairs(fig.caption.long) do
    if b.content then caption_inlines:extend(b.content) end
  end
  local alt = alt_of(img, pandoc.utils.stringify(caption_inlines))
  local parts = {
    "#figure(",
    "  " .. image_call(img, alt) .. ",",
    "  caption: [" .. to_typst_inlines(caption_inlines) .. "],",
    "  kind: image,",
    "  numbering: none,",
    ")",
  }
  local code = table.concat(parts, "\n")
  if fig.identifier ~= "" then code = code .. " <" .. fig.identifier .. ">" end
  return pandoc.RawBlock("typst", code)
end

local function Image(img)
  -- an image outside a figure (inline): keep the alt text
  return pandoc.RawInline("typst", "#box(" .. image_call(img, alt_of(img)) .. ")")
end

local function Span(span)
  if span.classes:includes("header-section-number") then
    return pandoc.RawInline("typst", "#monitor-secnum[" .. to_typst_inlines(span.content) .. "]")
  end
end

local function Header(h)
  -- remove the Space that follows the number span: monitor-secnum adds its own gap
  local c = h.content
  if #c >= 2 and c[1].t == "Span" and c[1].classes:includes("header-section-number") and c[2].t == "Space" then
    c:remove(2)
    h.content = c
    return h
  end
end

-- Column widths. Pandoc derives relative widths from the dashes of long pipe tables (equal
-- dashes → equal widths: text columns far too narrow, numbers overflowing). Instead, like a
-- browser's automatic table layout, counted in characters: a table that fits the line keeps
-- Typst's automatic widths; in a wider table every column first gets its longest unbreakable
-- body word (numbers never wrap) and the remaining width is shared in proportion to how much
-- more each column wants (its longest cell, capped).
local LINE_CHARS = 95  -- about the text width at the table font size, in characters
local PAD = 2          -- cell insets, in characters
local CAP = 40         -- a text column never asks for more than this

local function measure(rows, want, minw, is_head)
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row.cells) do
      if cell.col_span == 1 then
        local text = pandoc.utils.stringify(cell.contents)
        local n = utf8.len(text) or #text
        if n > want[i] then want[i] = n end
        for word in text:gmatch("%S+") do
          local w = utf8.len(word) or #word
          if is_head then
            -- header words never hyphenate; they may wrap after "/" ("xtc/" + "mdma"), and
            -- bold capitals are wider
            w = 0
            for part in word:gmatch("[^/]+/?") do w = math.max(w, utf8.len(part) or #part) end
            w = math.ceil(w * 1.1)
          end
          if w > minw[i] then minw[i] = w end
        end
      end
    end
  end
end

-- Header cells: hyphenate: false written into every cell, so no header is ever split
-- mid-word ("amfetami-ne"), whatever template or show rule surrounds the table.
local function no_hyphenation(rows)
  for _, row in ipairs(rows) do
    for _, cell in ipairs(row.cells) do
      for _, block in ipairs(cell.contents) do
        if block.t == "Plain" or block.t == "Para" then
          local inl = pandoc.Inlines({ pandoc.RawInline("typst", "#text(hyphenate: false)[") })
          inl:extend(block.content)
          inl:insert(pandoc.RawInline("typst", "]"))
          block.content = inl
        end
      end
    end
  end
end

local function Table(tbl)
  local ncol = #tbl.colspecs
  local want, minw = {}, {}
  for i = 1, ncol do want[i] = 0; minw[i] = 3 end
  measure(tbl.head.rows, want, minw, true)
  for _, body in ipairs(tbl.bodies) do
    measure(body.head, want, minw, true)
    measure(body.body, want, minw, false)
  end
  measure(tbl.foot.rows, want, minw, false)
  local total_want, total_min = 0, 0
  for i = 1, ncol do
    minw[i] = math.ceil(minw[i] * 1.15) + PAD  -- wide glyphs (digits, capitals)
    want[i] = math.max(minw[i], math.min(want[i], CAP) + PAD)
    total_want = total_want + want[i]
    total_min = total_min + minw[i]
  end
  local widths = nil
  if total_want > LINE_CHARS then
    widths = {}
    local rest = LINE_CHARS - total_min
    local extra = total_want - total_min
    for i = 1, ncol do
      local w = minw[i]
      if rest > 0 and extra > 0 then w = w + rest * (want[i] - minw[i]) / extra end
      widths[i] = w
    end
    local sum = 0
    for i = 1, ncol do sum = sum + widths[i] end
    for i = 1, ncol do widths[i] = widths[i] / sum end
  end
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = { spec[1], widths and widths[i] or nil }
  end
  no_hyphenation(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do no_hyphenation(body.head) end
  return tbl
end

local function callout_kind(div)
  for _, cls in ipairs(div.classes) do
    local k = cls:match("^callout%-(.+)$")
    if k then return k end
  end
  return "note"
end

local function Div(div)
  if div.classes:includes("monitor-chapter") then
    -- report/render/typst_body.py marks the first appendix: each chapter is written on its own
    if div.attributes["appendix-start"] == "true" then
      return pandoc.RawBlock("typst", "#monitor-appendices()")
    end
    return {}
  end
  if div.classes:includes("callout") then
    local title = div.attributes["title"] or "Kanttekeningen"
    local open = "#monitor-callout(title: [" .. to_typst_inlines(pandoc.Inlines({ pandoc.Str(title) })) ..
        "], kind: " .. typst_string(callout_kind(div)) .. ")["
    local blocks = pandoc.Blocks({ pandoc.RawBlock("typst", open) })
    blocks:extend(div.content)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
end

return {
  { Header = Header },
  { Figure = Figure, Span = Span, Div = Div, Table = Table },
  { Image = Image },
}
