"""Block Kit limits that Slack enforces on the wire, and the rich_text blocks Slack adds to user messages."""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT_CHARS = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_TEXT_OBJECT = 3000  # a text object's text (a context element's, …)
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BLOCK_ID = 255
MAX_MARKDOWN_BLOCK_TEXT = 12_000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_VIEW_TITLE = 24  # a modal's title, and its submit and close buttons' text
MAX_PRIVATE_METADATA = 3000  # a view's private_metadata (docs.slack.dev/reference/views/modal-views)
MAX_CALLBACK_ID = 255
MAX_CONTEXT_ACTIONS_ELEMENTS = 5
MAX_ACCESSIBILITY_LABEL = 75
CONTEXT_ACTIONS_ELEMENT_TYPES = ("feedback_buttons", "icon_button")

_TEXT_TYPES = ("plain_text", "mrkdwn")


def _text_len(obj: Any) -> int | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return len(obj["text"])
    return None


def validate_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Slack-style error strings ("… [json-pointer:/blocks/0/text/text]"); empty when the blocks are valid."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID:
                errors.append(f"must be a string of at most {MAX_BLOCK_ID} characters [json-pointer:{where}/block_id]")
            elif block_id in seen_ids:
                errors.append(f"duplicate block_id: {block_id} [json-pointer:{where}/block_id]")
            else:
                seen_ids.add(block_id)
        errors.extend(_validate_block(block, where))
    return errors


def _validate_block(block: dict[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    kind = block["type"]
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            errors.append(f"must provide either text or fields [json-pointer:{where}]")
        if text is not None:
            if not isinstance(text, dict) or text.get("type") not in _TEXT_TYPES:
                errors.append(f"must be a text object [json-pointer:{where}/text]")
            elif (_text_len(text) or 0) > MAX_SECTION_TEXT:
                errors.append(f"must be less than {MAX_SECTION_TEXT + 1} characters [json-pointer:{where}/text/text]")
            elif _text_len(text) == 0 or _text_len(text) is None:
                errors.append(f"must be more than 0 characters [json-pointer:{where}/text/text]")
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
                errors.append(f"no more than {MAX_SECTION_FIELDS} items allowed [json-pointer:{where}/fields]")
            else:
                for j, f in enumerate(fields):
                    if (_text_len(f) or 0) > MAX_FIELD_TEXT:
                        errors.append(
                            f"must be less than {MAX_FIELD_TEXT + 1} characters [json-pointer:{where}/fields/{j}/text]"
                        )
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            errors.extend(_validate_element(accessory, f"{where}/accessory"))
    elif kind == "header":
        text = block.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            errors.append(f"must be a plain_text object [json-pointer:{where}/text]")
        elif (_text_len(text) or 0) > MAX_HEADER_TEXT:
            errors.append(f"must be less than {MAX_HEADER_TEXT + 1} characters [json-pointer:{where}/text/text]")
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            errors.append(f"must provide at least 1 item [json-pointer:{where}/elements]")
        elif len(elements) > MAX_CONTEXT_ELEMENTS:
            errors.append(f"no more than {MAX_CONTEXT_ELEMENTS} items allowed [json-pointer:{where}/elements]")
        else:
            for j, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") in _TEXT_TYPES:
                    n, at = _text_len(element), f"[json-pointer:{where}/elements/{j}/text]"
                    if not n:
                        errors.append(f"must be more than 0 characters {at}")
                    elif n > MAX_TEXT_OBJECT:
                        errors.append(f"must be less than {MAX_TEXT_OBJECT + 1} characters {at}")
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            errors.append(f"must provide at least 1 item [json-pointer:{where}/elements]")
        elif len(elements) > MAX_ACTIONS_ELEMENTS:
            errors.append(f"no more than {MAX_ACTIONS_ELEMENTS} items allowed [json-pointer:{where}/elements]")
        else:
            for j, element in enumerate(elements):
                errors.extend(_validate_element(element, f"{where}/elements/{j}"))
    elif kind == "context_actions":
        errors.extend(_validate_context_actions(block, where))
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str) or len(text) > MAX_MARKDOWN_BLOCK_TEXT:
            errors.append(f"must be at most {MAX_MARKDOWN_BLOCK_TEXT} characters [json-pointer:{where}/text]")
    elif kind == "input":
        if not isinstance(block.get("label"), dict):
            errors.append(f"missing required field: label [json-pointer:{where}]")
        if not isinstance(block.get("element"), dict):
            errors.append(f"missing required field: element [json-pointer:{where}]")
    return errors


def _validate_context_actions(block: dict[str, Any], where: str) -> list[str]:
    """A `context_actions` block: 1–5 elements, each a `feedback_buttons` or an `icon_button`."""
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"must provide at least 1 item [json-pointer:{where}/elements]"]
    if len(elements) > MAX_CONTEXT_ACTIONS_ELEMENTS:
        return [f"no more than {MAX_CONTEXT_ACTIONS_ELEMENTS} items allowed [json-pointer:{where}/elements]"]
    errors: list[str] = []
    for j, element in enumerate(elements):
        at = f"{where}/elements/{j}"
        if not isinstance(element, dict) or element.get("type") not in CONTEXT_ACTIONS_ELEMENT_TYPES:
            errors.append(f"must be one of {list(CONTEXT_ACTIONS_ELEMENT_TYPES)} [json-pointer:{at}/type]")
            continue
        errors.extend(_validate_element(element, at))
    return errors


def _validate_feedback_button(button: Any, where: str) -> list[str]:
    """`positive_button` / `negative_button`: plain_text text ≤ 75, value ≤ 2,000 (both required),
    accessibility_label ≤ 75."""
    if not isinstance(button, dict):
        return [f"missing required field: {where.rsplit('/', 1)[-1]} [json-pointer:{where}]"]
    errors: list[str] = []
    text = button.get("text")
    if not isinstance(text, dict) or text.get("type") != "plain_text" or not isinstance(text.get("text"), str):
        errors.append(f"must be a plain_text object [json-pointer:{where}/text]")
    elif not text["text"]:
        errors.append(f"must be more than 0 characters [json-pointer:{where}/text/text]")
    elif len(text["text"]) > MAX_BUTTON_TEXT:
        errors.append(f"must be less than {MAX_BUTTON_TEXT + 1} characters [json-pointer:{where}/text/text]")
    value = button.get("value")
    if not isinstance(value, str) or not value:
        errors.append(f"missing required field: value [json-pointer:{where}]")
    elif len(value) > MAX_BUTTON_VALUE:
        errors.append(f"must be less than {MAX_BUTTON_VALUE + 1} characters [json-pointer:{where}/value]")
    label = button.get("accessibility_label")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_ACCESSIBILITY_LABEL):
        errors.append(
            f"must be less than {MAX_ACCESSIBILITY_LABEL + 1} characters [json-pointer:{where}/accessibility_label]"
        )
    return errors


def _validate_element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"missing required field: type [json-pointer:{where}]"]
    errors: list[str] = []
    if element["type"] == "feedback_buttons":
        for side in ("positive_button", "negative_button"):
            errors.extend(_validate_feedback_button(element.get(side), f"{where}/{side}"))
    if element["type"] == "button":
        if (_text_len(element.get("text")) or 0) > MAX_BUTTON_TEXT:
            errors.append(f"must be less than {MAX_BUTTON_TEXT + 1} characters [json-pointer:{where}/text/text]")
        value = element.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            errors.append(f"must be less than {MAX_BUTTON_VALUE + 1} characters [json-pointer:{where}/value]")
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > 255:
        errors.append(f"must be less than 256 characters [json-pointer:{where}/action_id]")
    return errors


def validate_view(view: Any) -> list[str]:
    """The checks views.open / views.update / views.push make before accepting a view."""
    if not isinstance(view, dict):
        return ["invalid `view`"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append("must be one of [modal, home] [json-pointer:/view/type]")
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or title.get("type") != "plain_text":
            errors.append("missing required field: title [json-pointer:/view/title]")
        elif (_text_len(title) or 0) > MAX_VIEW_TITLE:
            errors.append(f"must be less than {MAX_VIEW_TITLE + 1} characters [json-pointer:/view/title/text]")
        for button in ("submit", "close"):
            if (_text_len(view.get(button)) or 0) > MAX_VIEW_TITLE:
                errors.append(f"must be less than {MAX_VIEW_TITLE + 1} characters [json-pointer:/view/{button}/text]")
    for field, most in (("private_metadata", MAX_PRIVATE_METADATA), ("callback_id", MAX_CALLBACK_ID)):
        value = view.get(field)
        if value is not None and not isinstance(value, str):
            errors.append(f"must be a string [json-pointer:/view/{field}]")
        elif isinstance(value, str) and len(value) > most:
            errors.append(f"must be less than {most + 1} characters [json-pointer:/view/{field}]")
    blocks = view.get("blocks", [])
    errors.extend(
        e.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks")
        for e in validate_blocks(blocks, limit=MAX_VIEW_BLOCKS)
    )
    has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if kind == "modal" and has_input and not isinstance(view.get("submit"), dict):
        errors.append("must provide submit when the view has input blocks [json-pointer:/view/submit]")
    return errors


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned_users(text: str) -> list[str]:
    return _MENTION.findall(text or "")


# Slack's control sequences: special mentions (<!channel>, <!here>, <!everyone>), user, channel and user-group
# mentions, dates and titled or bare links.
_CONTROL = re.compile(r"<(?:![a-z]+(?:\^[^>|]*)*|@[UW][A-Z0-9]+|#C[A-Z0-9]+|(?:https?|mailto):[^>|\s]*)(?:\|[^>]*)?>")
_PINGS = re.compile(r"<(?:!(?:channel|here|everyone|subteam\^[A-Z0-9]+)|@[UW][A-Z0-9]+)(?:\|[^>]*)?>")


def control_sequences(text: str) -> list[str]:
    """The control sequences Slack parses in a message's text — `markdown_text` of a stream included — wherever
    they stand: inside `code` or a code block too. Slack's docs do not say that a stream's markdown or its code spans
    keep Slack from parsing them, and a mention's notification is decided from the text it is sent, not from how a
    client renders it; the stand-in takes the careful reading. Escaped (&lt;!channel&gt;) they are text."""
    return _CONTROL.findall(text or "")


def pings(text: str) -> list[str]:
    """The control sequences of `text` that would notify someone (see control_sequences)."""
    return _PINGS.findall(text or "")


def rich_text_blocks(text: str, block_id: str) -> list[dict[str, Any]]:
    """The rich_text block Slack's clients attach to a message a person types."""
    elements: list[dict[str, Any]] = []
    pos = 0
    for match in _MENTION.finditer(text):
        if match.start() > pos:
            elements.append({"type": "text", "text": text[pos : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        pos = match.end()
    if pos < len(text):
        elements.append({"type": "text", "text": text[pos:]})
    return [
        {
            "type": "rich_text",
            "block_id": block_id,
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]


def find_action(
    blocks: list[dict[str, Any]] | None, action_id: str, value: Any = None
) -> tuple[str, dict[str, Any]] | None:
    """(block_id, element) of the interactive element with this action_id (and this value, when given: several
    blocks may each hold a button with the same action_id), in actions, context_actions or section blocks."""
    for block in blocks or []:
        candidates: list[Any] = []
        if block.get("type") in ("actions", "context_actions"):
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            candidates = [block["accessory"]]
        for element in candidates:
            matches = isinstance(element, dict) and element.get("action_id") == action_id
            if matches and (value is None or element.get("value") == value):
                return block.get("block_id", ""), element
    return None


def input_state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The `view.state.values[block][action]` entry Slack sends for an input element given a simple value."""
    kind = element.get("type", "plain_text_input")
    if isinstance(value, dict) and "type" in value:
        return value
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = _find_option(element, value)
        return {"type": kind, "selected_option": option}
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        values = value if isinstance(value, list) else [value]
        return {"type": kind, "selected_options": [_find_option(element, v) for v in values]}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "channels_select":
        return {"type": kind, "selected_channel": value}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "number_input":
        return {"type": kind, "value": None if value is None else str(value)}
    return {"type": kind, "value": value}


def _find_option(element: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return option
    return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}
