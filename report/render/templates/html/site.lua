--[[
site.lua — the HTML site of the embedded engine (runs after report/render/crossref.py and monitor.lua).

* A figure whose id is in the JSON file named by the metadata field `monitor-html-figures`
  keeps its id and caption, but its content becomes the prepared HTML (report/render/html.py):
  the chart container with the static SVG as fallback, the Vega-Lite spec, the data table and
  the CSV link.
* `fig-alt` becomes the image's alt text (other figures and images).
* Callouts (class `callout`, title attribute set by crossref.py) get a visible title and
  role="note"; a leading heading inside a callout becomes its title (Quarto's syntax), so it
  does not turn into a section of the site.
* The empty chapter marker Divs (`.monitor-chapter`) are dropped.
* Every internal link `#x` becomes `#<U+E000>x`, so Pandoc's chunkedhtml points none of them at
  another page: report/render/html.py resolves them over the finished pages (html_pages.py).
]]

local figures = {}

local function read_figures(meta)
  local field = meta["monitor-html-figures"]
  if field == nil then return end
  local path = pandoc.utils.stringify(field)
  local f = io.open(path, "rb")
  if f == nil then error("site.lua: cannot read " .. path) end
  local text = f:read("a")
  f:close()
  figures = pandoc.json.decode(text, false)
end

local function Figure(fig)
  local html = figures[fig.identifier]
  if html == nil then return nil end
  fig.content = pandoc.Blocks({ pandoc.RawBlock("html", html) })
  if not fig.classes:includes("chart-figure") then fig.classes:insert("chart-figure") end
  return fig
end

local function Image(img)
  local alt = img.attributes["fig-alt"]
  if alt ~= nil then
    img.caption = pandoc.Inlines(alt)
    img.attributes["fig-alt"] = nil
    return img
  end
end

-- Default titles, as crossref.py sets them (also used when that filter did not run).
local CALLOUT_TITLES = {
  ["callout-note"] = "Kanttekeningen",
  ["callout-warning"] = "Let op",
  ["callout-important"] = "Belangrijk",
  ["callout-tip"] = "Tip",
  ["callout-caution"] = "Let op",
}

local function callout_kind(div)
  for _, cls in ipairs(div.classes) do
    if CALLOUT_TITLES[cls] then return cls end
  end
  return nil
end

local function Div(div)
  if div.classes:includes("monitor-chapter") then
    return {}
  end
  local kind = callout_kind(div)
  if kind ~= nil or div.classes:includes("callout") then
    if not div.classes:includes("callout") then div.classes:insert(1, "callout") end
    local title = div.attributes["title"]
    if (title == nil or title == "") and kind ~= nil then title = CALLOUT_TITLES[kind] end
    div.attributes["title"] = nil
    local title_inlines = nil
    local first = div.content[1]
    if first ~= nil and first.t == "Header" then
      title_inlines = first.content
      div.content:remove(1)
    elseif title ~= nil and title ~= "" then
      title_inlines = pandoc.Inlines(title)
    end
    div.attributes["role"] = "note"
    if title_inlines ~= nil then
      div.content:insert(1, pandoc.Div(pandoc.Plain(title_inlines), { class = "callout-title" }))
    end
    return div
  end
  if div.classes:includes("demo") then
    div.attributes["role"] = "note"
    return div
  end
end

local LOCAL_LINK = "\u{E000}"  -- report/render/html_pages.py: LOCAL_LINK

local function Link(link)
  if link.target:sub(1, 1) == "#" and #link.target > 1 then
    link.target = "#" .. LOCAL_LINK .. link.target:sub(2)
    return link
  end
end

function Pandoc(doc)
  read_figures(doc.meta)
  doc.meta["monitor-html-figures"] = nil
  return doc:walk({ Figure = Figure, Image = Image, Div = Div, Link = Link })
end
