--[[
monitor.lua — what the monitor needs and neither Quarto nor Pandoc does. Shared by both
engines: listed under `filters:` in _quarto.yml and run by the embedded engine after
crossref.py. It must stay safe under Quarto: it only touches Divs with the classes below
and image paths of existing files, and does nothing for other formats.

DOCX
* `.bron` Divs → custom-style "Bronvermelding" (the source line under a figure);
* callouts (`.callout-note`, `.callout-warning`, … still plain Divs) → custom-style
  "Kanttekening", with their title as a first bold paragraph;
* `.demo` Divs → custom-style "Demo";
* an image `x.svg` with a sibling `x.png` → the PNG (Word shows PNG everywhere); without one,
  the PNG the embedded engine made for it (MONITOR_PNG_FALLBACKS).

Typst
* `.bron` → #monitor-bron[...] and `.demo` → #monitor-demo[...] (both defined in
  templates/typst/typst-template.typ, which Quarto uses too as a template partial).

All formats
* `[geel]{.kwaliteit}` (the quality rating groen/geel/oranje) → a coloured dot before the
  word: #monitor-kwaliteit in Typst, a coloured "●" run in DOCX, a decorative span
  (aria-hidden, coloured by monitor.css) in HTML. The word always stays: colour is never
  the only carrier of the rating.

Under Quarto this filter runs at `post-quarto` (see _quarto.yml), after the shortcodes:
only then have the {{< blok >}} shortcodes brought in the generated blocks. Quarto has by
then made its callouts into `Callout` nodes; the `Callout` handler below gives them the
same DOCX style and Typst box as the embedded engine (no icons, no layout tables).
]]

local STYLE_BRON = "Bronvermelding"
local STYLE_CALLOUT = "Kanttekening"
local STYLE_DEMO = "Demo"

local root = os.getenv("MONITOR_ROOT")  -- set by the embedded engine

-- Rijkshuisstijl groen, donkergeel and oranje (yellow itself is too faint on white).
local QUALITY_COLOURS = { groen = "39870C", geel = "FFB612", oranje = "E17000" }

local function is_docx()
  return FORMAT == "docx" or FORMAT:match("^docx") ~= nil
end

local function is_typst()
  return FORMAT == "typst" or FORMAT:match("^typst") ~= nil
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

local function callout_title(div)
  local t = div.attributes["title"]
  if t and t ~= "" then return t end
  if div.classes:includes("callout-warning") or div.classes:includes("callout-caution") then
    return "Let op"
  end
  return "Kanttekeningen"
end

local function is_callout(div)
  for _, cls in ipairs(div.classes) do
    if cls:match("^callout%-") then return true end
  end
  return false
end

local function docx_div(div)
  if div.classes:includes("bron") then
    div.attributes["custom-style"] = STYLE_BRON
    return div
  end
  if div.classes:includes("demo") then
    div.attributes["custom-style"] = STYLE_DEMO
    return div
  end
  if is_callout(div) and div.attributes["custom-style"] == nil then
    local content = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(pandoc.Inlines(callout_title(div))) }) })
    -- Word applies a Div's custom style to its paragraphs but not to list items, so the
    -- caveats' bullets become paragraphs with a bullet sign, styled like the rest of the box.
    for _, block in ipairs(div.content) do
      if block.t == "BulletList" then
        for _, item in ipairs(block.content) do
          for _, b in ipairs(item) do
            if b.t == "Para" or b.t == "Plain" then
              local inl = pandoc.Inlines({ pandoc.Str("•"), pandoc.Space() })
              inl:extend(b.content)
              content:insert(pandoc.Para(inl))
            else
              content:insert(b)
            end
          end
        end
      else
        content:insert(block)
      end
    end
    div.content = content
    div.attributes["custom-style"] = STYLE_CALLOUT
    return div
  end
end

local function callout_kind_of(classes)
  for _, kind in ipairs({ "warning", "caution", "important", "tip" }) do
    if classes:includes("callout-" .. kind) then return kind end
  end
  return "note"
end

local function typst_wrap(name, div)
  local blocks = pandoc.Blocks({ pandoc.RawBlock("typst", "#" .. name .. "[") })
  blocks:extend(div.content)
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

local function typst_div(div)
  if div.classes:includes("bron") then return typst_wrap("monitor-bron", div) end
  if div.classes:includes("demo") then return typst_wrap("monitor-demo", div) end
end

-- A JSON map written by the embedded engine, in the file the environment variable names; {}
-- when it names none.
local function json_map(variable)
  local path = os.getenv(variable)
  local f = path and io.open(path, "rb")
  if f == nil then return {} end
  local map = pandoc.json.decode(f:read("a"), false)
  f:close()
  return map
end

-- PNGs the embedded engine made for SVG pictures that have none beside them
-- (report/render/docx.py, svg_fallbacks): {svg path: png path}, named by MONITOR_PNG_FALLBACKS.
local fallbacks = nil
local function fallback_for(src)
  fallbacks = fallbacks or json_map("MONITOR_PNG_FALLBACKS")
  return fallbacks[src]
end

local function png_for(src)
  if not src:match("%.svg$") then return nil end
  local made = fallback_for(src)
  if made then return made end
  local png = src:gsub("%.svg$", ".png")
  if file_exists(png) then return png end
  if png:sub(1, 1) == "/" then
    local base = root
    if base == nil and quarto ~= nil and quarto.project ~= nil then base = quarto.project.directory end
    if base and file_exists(base .. png) then
      if file_exists(src) then return png end -- absolute path that exists as is
      return png
    end
  end
  return nil
end

-- Stand-ins for those PNGs (report/render/docx_pictures.py): {png path: stand-in path}, named by
-- MONITOR_PNG_STAND_INS. Put in Pandoc's media under the PNG's own path, so Pandoc lays the
-- picture out from the stand-in's header and names it as before; the post-processing puts the
-- PNG in.
local stand_ins = nil
local function use_stand_in(png)
  stand_ins = stand_ins or json_map("MONITOR_PNG_STAND_INS")
  local stand_in = stand_ins[png]
  if stand_in == nil or pandoc.mediabag.lookup(png) ~= nil then return end
  local f = io.open(stand_in, "rb")
  if f == nil then error("monitor.lua: cannot read " .. stand_in) end
  pandoc.mediabag.insert(png, "image/png", f:read("a"))
  f:close()
end

local function docx_image(img)
  local changed = false
  -- Quarto moves a figure's fig-alt to the image's "alt" attribute, which Pandoc's DOCX writer
  -- does not read (quarto-cli #5514): the alt text must be the image's description.
  local alt = img.attributes["alt"]
  if quarto ~= nil and alt ~= nil and alt ~= "" then
    img.caption = pandoc.Inlines(alt)
    img.attributes["alt"] = nil
    changed = true
  end
  local png = png_for(img.src)
  if png then
    img.src = png
    use_stand_in(png)
    changed = true
  end
  if changed then return img end
end

-- Quarto's Callout node (quarto >= 1.3): type "note"/"warning"/..., title (inlines), content.
local function Callout(callout)
  if not (is_docx() or is_typst()) then return nil end
  local kind = callout.type or "note"
  local title = callout.title and pandoc.utils.stringify(callout.title) or ""
  local div = pandoc.Div(callout.content, pandoc.Attr("", { "callout-" .. kind }, {}))
  if title ~= "" then div.attributes["title"] = title end
  if is_docx() then return docx_div(div) end
  title = callout_title(div)
  local open = '#monitor-callout(title: [' .. pandoc.write(pandoc.Pandoc({ pandoc.Plain(pandoc.Inlines(title)) }), "typst"):gsub("%s+$", "")
    .. '], kind: "' .. callout_kind_of(div.classes) .. '")['
  local blocks = pandoc.Blocks({ pandoc.RawBlock("typst", open) })
  blocks:extend(div.content)
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

-- Quarto writes chapter numbers into DOCX headings as text, "1. Inleiding", and appendices
-- as "Bijlage A — Overzicht" (quarto-cli crossref/sections.lua, the dot is not configurable);
-- the embedded engine writes "1 Inleiding" and "Bijlage A Overzicht". Only Quarto's headings
-- have these. (Its HTML chapter titles come from elsewhere and keep the dash.)
local function quarto_header(h)
  if h.level ~= 1 or quarto == nil then return nil end
  local c = h.content
  if #c >= 2 and c[1].t == "Str" and c[1].text:match("^%d+$") and c[2].t == "Str" and c[2].text == ". " then
    c[2] = pandoc.Space()
    h.content = c
    return h
  end
  -- "Bijlage", " ", "A", [" "], "—" or " —", " ", title: drop the dash (and its space)
  for i = 3, math.min(#c, 6) do
    local letter = c[i - 1].t == "Space" and c[i - 2] or c[i - 1]  -- a Str, in HTML a Span
    if c[i].t == "Str" and c[i].text:gsub("%s", "") == "—" and pandoc.utils.stringify(letter):match("^%u$") then
      c:remove(i)
      if c[i - 1].t == "Space" and c[i].t == "Space" then c:remove(i - 1) end
      h.content = c
      return h
    end
  end
end

local function Header(h)
  if is_docx() then return quarto_header(h) end
end

local function quality_marker(span)
  if not span.classes:includes("kwaliteit") then return nil end
  local rating = pandoc.text.lower(pandoc.utils.stringify(span.content))
  local colour = QUALITY_COLOURS[rating]
  if colour == nil then
    error("monitor.lua: unknown quality rating '" .. rating .. "' in [" .. rating ..
      "]{.kwaliteit}; expected groen, geel or oranje")
  end
  local marker
  if is_typst() then
    marker = pandoc.RawInline("typst", '#monitor-kwaliteit("' .. rating .. '")')
  elseif is_docx() then
    marker = pandoc.RawInline("openxml", '<w:r><w:rPr><w:color w:val="' .. colour ..
      '"/></w:rPr><w:t xml:space="preserve">\u{25CF} </w:t></w:r>')
  elseif FORMAT:match("html") then
    marker = pandoc.RawInline("html", '<span class="kwaliteit-stip kwaliteit-' .. rating ..
      '" aria-hidden="true"></span>')
  else
    return nil
  end
  local content = pandoc.Inlines({ marker })
  content:extend(span.content)
  span.content = content
  return span
end

local function Div(div)
  if is_docx() then return docx_div(div) end
  if is_typst() then return typst_div(div) end
end

local function Image(img)
  if is_docx() then return docx_image(img) end
end

-- Editors' comments <!-- … --> never reach an output. The embedded engine strips them before
-- Pandoc (report/render/book.py); this covers Quarto, which passes them on to the HTML.
local function drop_comment(el)
  if el.format:match("^html") and el.text:match("^%s*<!%-%-.-%-%->%s*$") then return {} end
end

return {
  { Div = Div, Image = Image, Span = quality_marker, Callout = Callout, Header = Header,
    RawBlock = drop_comment, RawInline = drop_comment },
}
