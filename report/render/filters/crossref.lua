--[[
crossref.lua — cross-references for the embedded engine (Quarto does this itself; do not list
this filter in _quarto.yml).

The numbers are computed once in Python (report/render/book.py) and passed in the document
metadata as `monitor-crossref`: for every id { kind = "sec"|"fig"|"tbl", display = "3.2" |
"Bijlage A" | "Figuur 3.2", ref = "paragraaf 3.2" | "hoofdstuk 3" | "Figuur 3.2", number }.
This filter only applies them:

* headings get a leading Span.header-section-number with their number ("3", "3.2",
  "Bijlage A", "A.1") and the attribute number=...;
* figure and table captions get the prefix "Figuur 3.2: " / "Tabel 3.1: ";
* citations @fig-x, @tbl-x, @sec-x become links with the reference text ("Figuur 3.2",
  "paragraaf 3.2", "hoofdstuk 3", "bijlage A"); @Sec-x or a reference that starts a
  sentence is capitalised ("Hoofdstuk 3"). An unknown id stops the render with an error
  (Python checks references first and names chapter and line);
* callouts (.callout-note, .callout-warning, ...) get the class "callout" and a title
  attribute (default "Kanttekeningen" / "Let op").
]]

local xref = {}

local function stringify(x)
  return pandoc.utils.stringify(x)
end

local function words(text)
  local out = pandoc.Inlines({})
  local first = true
  for w in text:gmatch("%S+") do
    if not first then out:insert(pandoc.Space()) end
    out:insert(pandoc.Str(w))
    first = false
  end
  return out
end

local function read_meta(meta)
  local map = meta["monitor-crossref"]
  if map == nil then return end
  for id, entry in pairs(map) do
    local e = {}
    for k, v in pairs(entry) do e[k] = stringify(v) end
    xref[id] = e
  end
end

local function capitalise(s)
  return (s:gsub("^%l", string.upper))
end

local function lookup(id)
  local e = xref[id]
  if e then return id, e, false end
  local lower = id:gsub("^%u", string.lower)
  e = xref[lower]
  if e then return lower, e, true end
  return nil, nil, false
end

local function is_crossref_id(id)
  local lower = id:gsub("^%u", string.lower)
  return lower:match("^fig%-") or lower:match("^tbl%-") or lower:match("^sec%-")
end

local function prefix_caption(caption, display)
  if display == nil or display == "" then return caption end
  local prefix = words(display .. ":")
  prefix:insert(pandoc.Space())
  local long = caption.long
  if #long == 0 then
    long = pandoc.Blocks({ pandoc.Plain(prefix) })
  else
    local first = long[1]
    if first.t == "Plain" or first.t == "Para" then
      local content = pandoc.Inlines({})
      content:extend(prefix)
      content:extend(first.content)
      first.content = content
      long[1] = first
    else
      long:insert(1, pandoc.Plain(prefix))
    end
  end
  caption.long = long
  return caption
end

local function Header(h)
  local e = xref[h.identifier]
  if e and e.display then
    local content = pandoc.Inlines({ pandoc.Span(words(e.display), { class = "header-section-number" }), pandoc.Space() })
    content:extend(h.content)
    h.content = content
    h.attributes["number"] = e.number or e.display
    return h
  end
end

local function Figure(fig)
  local e = xref[fig.identifier]
  if e then
    fig.caption = prefix_caption(fig.caption, e.display)
    return fig
  end
end

local function Table(tbl)
  local e = xref[tbl.identifier]
  if e then
    tbl.caption = prefix_caption(tbl.caption, e.display)
    return tbl
  end
end

local function cite_to_inlines(cite, sentence_start)
  local out = pandoc.Inlines({})
  for i, c in ipairs(cite.citations) do
    local id, e, upper = lookup(c.id)
    if e == nil then
      if is_crossref_id(c.id) then
        error("Unknown cross-reference @" .. c.id .. ": no figure, table or section has the label #" .. c.id)
      end
      return nil
    end
    if i > 1 then out:insert(pandoc.Str(";")); out:insert(pandoc.Space()) end
    if c.prefix and #c.prefix > 0 then out:extend(c.prefix); out:insert(pandoc.Space()) end
    local text = e.ref
    if upper or (i == 1 and sentence_start and (c.prefix == nil or #c.prefix == 0)) then
      text = capitalise(text)
    end
    out:insert(pandoc.Link(words(text), "#" .. id, "", { class = "quarto-xref" }))
    if c.suffix and #c.suffix > 0 then out:extend(c.suffix) end
  end
  return out
end

local function ends_sentence(inl)
  if inl == nil then return true end
  if inl.t == "Str" then return inl.text:match("[%.!%?]$") ~= nil end
  return false
end

-- Top-level inlines of paragraphs: a reference that starts a sentence is capitalised.
local function replace_in(inlines)
  -- Most paragraphs hold no reference: leave them as they are (copying them costs time).
  local any = false
  for _, inl in ipairs(inlines) do
    if inl.t == "Cite" then any = true; break end
  end
  if not any then return nil end
  local out = pandoc.Inlines({})
  local changed = false
  for i, inl in ipairs(inlines) do
    if inl.t == "Cite" then
      local j = i - 1
      while j >= 1 and (inlines[j].t == "Space" or inlines[j].t == "SoftBreak") do j = j - 1 end
      local start = (j < 1) or ends_sentence(inlines[j])
      local repl = cite_to_inlines(inl, start)
      if repl then
        out:extend(repl)
        changed = true
      else
        out:insert(inl)
      end
    else
      out:insert(inl)
    end
  end
  if changed then return out end
end

local function Para(p)
  local c = replace_in(p.content)
  if c then p.content = c; return p end
end

-- Remaining citations (inside emphasis, links, captions, table cells): no capitalisation.
local function Cite(cite)
  return cite_to_inlines(cite, false)
end

local CALLOUT_TITLES = {
  ["callout-note"] = "Kanttekeningen",
  ["callout-warning"] = "Let op",
  ["callout-important"] = "Belangrijk",
  ["callout-tip"] = "Tip",
  ["callout-caution"] = "Let op",
}

local function Div(div)
  for _, cls in ipairs(div.classes) do
    if CALLOUT_TITLES[cls] then
      if not div.classes:includes("callout") then div.classes:insert(1, "callout") end
      if div.attributes["title"] == nil or div.attributes["title"] == "" then
        div.attributes["title"] = CALLOUT_TITLES[cls]
      end
      return div
    end
  end
end

function Pandoc(doc)
  read_meta(doc.meta)
  doc = doc:walk({ Para = Para, Plain = Para })
  doc = doc:walk({ Cite = Cite })
  doc = doc:walk({ Header = Header, Figure = Figure, Table = Table, Div = Div })
  return doc
end
