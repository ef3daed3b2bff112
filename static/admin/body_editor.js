// The article body's rich-text editor (articles/widgets.py): ProseMirror through django-prose-editor's Tiptap build,
// loaded from our own static files by a relative import, so the page needs no import map and no inline script.
//
// Each body's editor writes in its language and direction (lang/dir from the textarea), whatever the admin's;
// pasted Word or agency HTML is cut down to what the editor allows; pictures of the article (the "Images in this
// article" rows) are placed as <figure data-picture="KEY"> where the editor puts them. The server cleans the HTML
// again with the one sanitiser on save.
import {
  Blockquote,
  Bold,
  BulletList,
  Document,
  Dropcursor,
  Editor,
  Gapcursor,
  HardBreak,
  Heading,
  History,
  Italic,
  Link,
  ListItem,
  Menu,
  mergeAttributes,
  Node,
  OrderedList,
  Paragraph,
  Text,
} from "../django_prose_editor/editor.js"

const PICTURE_ATTRIBUTE = "data-picture"

// --- the pictures of the article, as the form below the text has them -------------------------------------------
const pictureRows = () =>
  [...document.querySelectorAll("#captions-group .inline-related:not(.empty-form)")].filter((row) => {
    const deleted = row.querySelector("input[name$='-DELETE']")
    return !(deleted && deleted.checked) && row.querySelector("input[name$='-key']")
  })

const pictureOf = (row, language) => {
  const field = (suffix) => row.querySelector(`[name$='-${suffix}']`)
  const thumbnail = row.querySelector(".caption-picture img, .picture-upload-preview img")
  const caption = field(`text_${language}`)
  const title = field("archive_title")
  return {
    key: field("key").value,
    row,
    src: thumbnail && !thumbnail.hidden ? thumbnail.getAttribute("src") : "",
    text: (caption && caption.value.trim()) || (title && title.value.trim()) || "",
  }
}

const findPicture = (key, language) => {
  const row = pictureRows().find((candidate) => candidate.querySelector("input[name$='-key']").value === key)
  return row ? pictureOf(row, language) : null
}

const drawPicture = (dom, key, language, labels) => {
  const picture = findPicture(key, language)
  dom.textContent = ""
  dom.classList.toggle("is-missing", !picture)
  if (picture && picture.src) {
    const image = document.createElement("img")
    image.src = picture.src
    image.alt = ""
    dom.append(image)
  }
  const caption = document.createElement("figcaption")
  caption.textContent = picture ? picture.text || labels.placedPicture : labels.unknownPicture
  dom.append(caption)
}

// --- the placed picture: an empty <figure data-picture="KEY">, shown with its thumbnail and caption ----------------
const ArticlePicture = Node.create({
  name: "articlePicture",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { language: "", labels: {} }
  },

  addAttributes() {
    return {
      key: {
        default: null,
        parseHTML: (element) => element.getAttribute(PICTURE_ATTRIBUTE),
        renderHTML: (attributes) => ({ [PICTURE_ATTRIBUTE]: attributes.key }),
      },
    }
  },

  parseHTML() {
    return [{ tag: `figure[${PICTURE_ATTRIBUTE}]` }]
  },

  renderHTML({ HTMLAttributes }) {
    return ["figure", mergeAttributes(HTMLAttributes)]
  },

  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "body-picture"
      dom.contentEditable = "false"
      dom.setAttribute(PICTURE_ATTRIBUTE, node.attrs.key)
      drawPicture(dom, node.attrs.key, this.options.language, this.options.labels)
      return { dom }
    }
  },
})

// --- the menu: our items, in the admin's language ----------------------------------------------------------------
const menuItems = (labels, pickerFor) =>
  function createMenu({ editor, buttons, menu }) {
    const item = (name, icon, active, command, options = {}) =>
      menu.defineItem({
        name,
        groups: options.group || "main",
        priority: options.priority || 100,
        button: buttons.material(icon, labels[name]),
        active: active || (() => false),
        enabled: options.enabled || (() => true),
        hidden: options.hidden || (() => false),
        command,
      })
    let priority = 100
    const next = () => priority--
    item("paragraph", "notes", (e) => e.isActive("paragraph"), (e) => e.chain().focus().setParagraph().run(), {
      group: "blocks",
      priority: next(),
    })
    for (const level of [2, 3]) {
      item(
        `heading${level}`,
        level === 2 ? "title" : "text_fields",
        (e) => e.isActive("heading", { level }),
        (e) => e.chain().focus().toggleHeading({ level }).run(),
        { group: "blocks", priority: next() },
      )
    }
    item("bold", "format_bold", (e) => e.isActive("bold"), (e) => e.chain().focus().toggleBold().run(), {
      group: "marks",
      priority: next(),
    })
    item("italic", "format_italic", (e) => e.isActive("italic"), (e) => e.chain().focus().toggleItalic().run(), {
      group: "marks",
      priority: next(),
    })
    item("link", "insert_link", (e) => e.isActive("link"), (e) => e.chain().addLink().focus().run(), {
      group: "marks",
      priority: next(),
      enabled: (e) => !e.state.selection.empty || e.isActive("link"),
    })
    item("unlink", "link_off", null, (e) => e.chain().focus().unsetLink().run(), {
      group: "marks",
      priority: next(),
      hidden: (e) => !e.isActive("link"),
    })
    item(
      "bulletList",
      "format_list_bulleted",
      (e) => e.isActive("bulletList"),
      (e) => e.chain().focus().toggleBulletList().run(),
      { group: "lists", priority: next() },
    )
    item(
      "orderedList",
      "format_list_numbered",
      (e) => e.isActive("orderedList"),
      (e) => e.chain().focus().toggleOrderedList().run(),
      { group: "lists", priority: next() },
    )
    item(
      "blockquote",
      "format_quote",
      (e) => e.isActive("blockquote"),
      (e) => e.chain().focus().toggleBlockquote().run(),
      { group: "lists", priority: next() },
    )
    item("picture", "image", null, () => pickerFor(editor).toggle(), { group: "pictures", priority: next() })
    item("undo", "undo", null, (e) => e.chain().focus().undo().run(), {
      group: "history",
      priority: next(),
      enabled: (e) => e.can().undo(),
    })
    item("redo", "redo", null, (e) => e.chain().focus().redo().run(), {
      group: "history",
      priority: next(),
      enabled: (e) => e.can().redo(),
    })
    return ["blocks", "marks", "lists", "pictures", "history"].map((group) =>
      menu.buttonGroup({ editor, buttons }, menu.items(group)),
    )
  }

// --- placing a picture: a list of the article's pictures below the menu --------------------------------------------
const pictureChooser = (editor, language, labels, wrapper) => {
  const panel = document.createElement("div")
  panel.className = "body-picture-chooser"
  panel.hidden = true

  const fill = () => {
    panel.textContent = ""
    const pictures = pictureRows().map((row) => pictureOf(row, language))
    if (!pictures.length) {
      const note = document.createElement("p")
      note.textContent = labels.noPictures
      panel.append(note)
      return
    }
    for (const picture of pictures) {
      const choice = document.createElement("button")
      choice.type = "button"
      choice.className = "body-picture-choice"
      if (picture.src) {
        const image = document.createElement("img")
        image.src = picture.src
        image.alt = ""
        choice.append(image)
      }
      const text = document.createElement("span")
      text.textContent = picture.text || labels.placedPicture
      choice.append(text)
      choice.addEventListener("click", () => {
        editor.chain().focus().insertContent({ type: "articlePicture", attrs: { key: picture.key } }).run()
        const placement = picture.row.querySelector("select[name$='-placement']")
        if (placement) { placement.value = "inline" }
        panel.hidden = true
      })
      panel.append(choice)
    }
  }
  return {
    toggle() {
      // Below the menu, which Tiptap builds once the editor has started.
      if (!panel.isConnected) { wrapper.querySelector(".prose-menubar").after(panel) }
      if (panel.hidden) { fill() }
      panel.hidden = !panel.hidden
    },
  }
}

// --- paste: Word and agency HTML cut down to text, paragraphs, lists and emphasis --------------------------------
// Style attributes and elements are renamed or removed before the HTML is parsed at all: parsing them, even in a
// document of its own, counts as applying inline styles under the Content-Security-Policy.
const withoutInlineStyles = (html) =>
  html
    .replace(/<style[\s\S]*?<\/style\s*>/gi, "")
    .replace(/<[^>]+>/g, (tag) => tag.replace(/(\s)style(\s*=)/gi, "$1data-style$2"))

export const cleanPastedHTML = (html) => {
  const page = new DOMParser().parseFromString(withoutInlineStyles(html), "text/html")
  const walker = page.createTreeWalker(page.body, NodeFilter.SHOW_COMMENT)
  const comments = []
  while (walker.nextNode()) { comments.push(walker.currentNode) }
  comments.forEach((comment) => comment.remove())
  for (const element of [...page.body.querySelectorAll("*")]) {
    const tag = element.tagName.toLowerCase()
    const style = element.getAttribute("data-style") || ""
    if (tag.includes(":") || ["style", "script", "meta", "link", "img", "xml", "title"].includes(tag)) {
      // Word's <o:p>, its bullet markers and anything that is not text.
      element.replaceWith(...(tag.includes(":") ? element.childNodes : []))
    } else if (/mso-list:\s*Ignore/i.test(style)) {
      element.remove()
    } else if (/font-weight:\s*(bold|[6-9]00)/i.test(style) && tag === "span") {
      const strong = page.createElement("strong")
      strong.append(...element.childNodes)
      element.replaceWith(strong)
    }
  }
  // Word writes list items as paragraphs of class MsoListParagraph...: make them one list again.
  let list = null
  for (const paragraph of [...page.body.querySelectorAll("p")]) {
    const isItem =
      /MsoListParagraph/i.test(paragraph.className) || /mso-list:/i.test(paragraph.getAttribute("data-style") || "")
    if (!isItem) { list = null; continue }
    if (!list || list.nextSibling !== paragraph) {
      list = page.createElement("ul")
      paragraph.before(list)
    }
    const item = page.createElement("li")
    item.append(...paragraph.childNodes)
    paragraph.remove()
    list.append(item)
  }
  for (const element of page.body.querySelectorAll("*")) {
    for (const attribute of [...element.attributes]) {
      if (!["href", "title"].includes(attribute.name)) { element.removeAttribute(attribute.name) }
    }
  }
  return page.body.innerHTML
}

const emptyBody = (html) => (/^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html)

export function createBodyEditor(textarea) {
  if (textarea.closest(".prose-editor")) { return null }
  const language = textarea.getAttribute("lang") || ""
  const direction = textarea.getAttribute("dir") || "auto"
  const labels = JSON.parse(textarea.dataset.labels || "{}")
  const label = document.querySelector(`label[for="${textarea.id}"]`)

  const wrapper = document.createElement("div")
  wrapper.className = "prose-editor body-editor"
  textarea.before(wrapper)
  wrapper.append(textarea)

  const pickers = new WeakMap()
  const pickerFor = (editor) => pickers.get(editor)

  const editor = new Editor({
    element: wrapper,
    // Tiptap's own <style> element would need an inline-style exception in the CSP; body_editor.css has its rules.
    injectCSS: false,
    content: textarea.value,
    extensions: [
      Document,
      Paragraph,
      Text,
      HardBreak,
      Heading.configure({ levels: [2, 3] }),
      Bold,
      Italic,
      Link.configure({ enableTarget: false }),
      BulletList,
      OrderedList,
      ListItem,
      Blockquote,
      History,
      Dropcursor,
      Gapcursor,
      ArticlePicture.configure({ language, labels }),
      Menu.configure({ defaultItems: false, items: menuItems(labels, pickerFor) }),
    ],
    editorProps: {
      attributes: {
        lang: language,
        dir: direction,
        class: "body-editor-text",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": label ? label.textContent.replace(/:\s*$/, "") : "",
      },
      transformPastedHTML: cleanPastedHTML,
    },
    onUpdate({ editor: updated }) {
      textarea.value = emptyBody(updated.getHTML())
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
  })
  pickers.set(editor, pictureChooser(editor, language, labels, wrapper))
  if (label) {
    label.addEventListener("click", (event) => {
      event.preventDefault()
      editor.commands.focus()
    })
  }
  return editor
}

const editors = []
for (const textarea of document.querySelectorAll("textarea[data-body-editor]")) {
  const editor = createBodyEditor(textarea)
  if (editor) { editors.push(editor) }
}

// A caption typed or a picture added below the text shows at once on the pictures placed in it.
const group = document.getElementById("captions-group")
if (group) {
  const redraw = () => {
    for (const editor of editors) {
      const { language, labels } = editor.extensionManager.extensions.find((e) => e.name === "articlePicture").options
      for (const dom of editor.view.dom.querySelectorAll("figure.body-picture")) {
        drawPicture(dom, dom.getAttribute(PICTURE_ATTRIBUTE), language, labels)
      }
    }
  }
  group.addEventListener("input", redraw)
  group.addEventListener("change", redraw)
}
