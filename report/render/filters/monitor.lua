--[[
monitor.lua — what the monitor needs and neither Quarto nor Pandoc does. Shared by both
engines: listed under `filters:` in _quarto.yml and run by the embedded engine after
crossref.lua. It must stay safe under Quarto: it only touches Divs with the classes below
and image paths of existing files, and does nothing for other formats.

DOCX
* `.bron` Divs → custom-style "Bronvermelding" (the source line under a figure);
* callouts (`.callout-note`, `.callout-warning`, … still plain Divs) → custom-style
  "Kanttekening", with their title as a first bold paragraph;
* `.demo` Divs → custom-style "Demo";
* an image `x.svg` with a sibling `x.png` → the PNG (Word shows PNG everywhere).

Typst
* `.bron` → #monitor-bron[...] and `.demo` → #monitor-demo[...] (both defined in
  templates/typst/typst-template.typ, which Quarto uses too as a template partial).
]]

local STYLE_BRON = "Bronvermelding"
local STYLE_CALLOUT = "Kanttekening"
local STYLE_DEMO = "Demo"

local root = os.getenv("MONITOR_ROOT")

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

local function png_for(src)
  if not src:match("%.svg$") then return nil end
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

local function docx_image(img)
  local png = png_for(img.src)
  if png then
    img.src = png
    return img
  end
end

local function Meta(meta)
  if os.getenv("MONITOR_ROOT") then root = os.getenv("MONITOR_ROOT") end
  if meta["monitor-root"] then root = pandoc.utils.stringify(meta["monitor-root"]) end
end

local function Div(div)
  if is_docx() then return docx_div(div) end
  if is_typst() then return typst_div(div) end
end

local function Image(img)
  if is_docx() then return docx_image(img) end
end

return {
  { Meta = Meta },
  { Div = Div, Image = Image },
}
